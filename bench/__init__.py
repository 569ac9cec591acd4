"""Speed benchmark: Kestrel against stock Rasa on the same trained model.

- `bench.conversations` - realistic multi-turn conversations (greeting, a blackmail story in the words a
  frightened teenager uses, the age button, "next" and questions, a crisis message in some).
- `bench.loadgen` - an async load generator (httpx) that plays them through Rasa's REST channel
  (`POST /webhooks/rest/webhook`) at a chosen concurrency, bounded in count and time, loopback only:
  `python -m bench.loadgen http://127.0.0.1:8000 --concurrency 16 --seconds 20`.
- `bench.paced` - people reading and typing (2-6 s between messages): how many conversations one
  process holds with p95 under 1 s, ramping the number of people up (`python -m bench.paced --help`).
- `bench.kestrel` - Kestrel started as `make run` starts it, for bench.compare and bench.paced.
- `bench.processes` - starting the servers, cold start, peak RSS from /proc.
- `bench.compare` - `make bench`: Kestrel against stock Rasa, printed as one table (docs/performance.md).
- `bench.profile_turn` - where one turn's time goes, in-process (NLU, policies, actions, tracker store).
"""
