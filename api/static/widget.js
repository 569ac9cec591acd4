/*!
 * Kestrel website widget: one script tag, no build step, no dependencies.
 *
 *   <script src="https://YOUR-KESTREL-HOST/static/widget.js"
 *           data-title="Get help"
 *           data-exit-url="https://www.bbc.co.uk/weather" defer></script>
 *
 * Options (all optional), as data-* attributes on the script tag, or in
 * window.KestrelWidgetConfig = {...} set by a script that runs before this one:
 *   data-api          API base URL. Default: where this script was loaded from
 *                     (https://host/static/widget.js -> https://host).
 *   data-title        Title of the chat panel and the launcher button.
 *   data-exit-url     Where "Leave now" and Escape go (http or https only).
 *   data-persist      "session" keeps the conversation in sessionStorage until the tab
 *                     closes. Default: nothing is stored on the device at all.
 *   data-escape       "widget" (default): Escape leaves when focus is in the widget;
 *                     "page": Escape anywhere on the page leaves; "off".
 *   data-shift-exit   "true": pressing Shift three times in a row anywhere on the page leaves
 *                     (as GOV.UK's "Exit this page"), for sites whose users need Escape for
 *                     something else. Works alongside data-escape.
 *   data-position     "right" (default) or "left".
 *   data-lang         Language of the widget's own strings ("en" built in; more can be
 *                     registered in window.KestrelWidgetLanguages = {cy: {...}}).
 *   data-strings      JSON object overriding any of the strings below.
 *   data-open         "true" opens the panel when the page loads.
 *   data-help         JSON {"values": {...}} with the help contacts shown if the chat fails, the same
 *                     shape as GET /api/v1/help-contacts (fetched from the service when this is absent).
 * Any element on the page with a data-kestrel-open attribute opens the chat when clicked. While the
 * floating launcher would cover one, the launcher steps aside (it is hidden until they no longer meet).
 *
 * Theming: set CSS custom properties on :root or on the kestrel-widget element, e.g.
 *   kestrel-widget { --kestrel-accent: #00594f; }
 * See the list at the top of CSS below.
 *
 * Security: everything the server sends is rendered as text nodes (never innerHTML);
 * links are made only for http, https, tel and sms. The stylesheet is attached with
 * adoptedStyleSheets, so a strict Content-Security-Policy (no 'unsafe-inline', no eval,
 * even require-trusted-types-for 'script') does not block it.
 *
 * Public API: window.KestrelWidget.open(), .close(), .leave(), .clear(), .version
 */
(function () {
  'use strict';

  var VERSION = '1.0.0';
  if (window.KestrelWidget && window.KestrelWidget.version) return; // loaded twice: keep the first

  var STORE_KEY = 'kestrel-widget:v1';
  var MAX_CHARS = 2000;
  var REQUEST_TIMEOUT_MS = 45000;
  var HELP_PATH = '/api/v1/help-contacts';
  var HELP_TIMEOUT_MS = 15000;
  var DEFAULT_EXIT_URL = 'https://www.bbc.co.uk/weather';
  var FULLSCREEN_MQ = '(max-width: 600px), (max-height: 560px)';
  var SHIFT_EXIT_PRESSES = 3;
  var SHIFT_EXIT_WINDOW_MS = 5000;

  /* ------------------------------------------------------------------ strings */

  var EN = {
    title: 'Get help',
    launcher: '', // empty: same as title
    subtitle: 'An automatic helper. Nothing is saved on this device.',
    subtitlePersist: 'An automatic helper. This chat is kept only until you close this tab.',
    botName: 'Kestrel',
    botSaid: '{bot} said:',
    youSaid: 'You said:',
    noticeLabel: 'Note:',
    leave: 'Leave now',
    leaveLabel: 'Leave now. Goes to another website straight away and deletes this chat.',
    hide: 'Hide',
    hideLabel: 'Hide the chat. You can open it again.',
    clear: 'Clear conversation',
    cleared: 'Conversation cleared. What you wrote has been deleted. You can start again.',
    escHint: 'Press Esc to leave this site fast.',
    shiftHint: 'Press Shift 3 times to leave this site fast.',
    escShiftHint: 'Press Esc, or Shift 3 times, to leave this site fast.',
    leaving: 'Loading…', // shown, and used as the tab title, while the exit site loads: says nothing about help
    conversationLabel: 'Conversation',
    inputLabel: 'Type your message',
    placeholder: 'Type here…',
    send: 'Send',
    typing: '{bot} is typing…',
    repliesLabel: 'Choose a reply',
    newTab: '(opens in a new tab)',
    charsLeft: '{n} characters left',
    errNetwork: "We can't connect right now. Check your internet connection, then try again.",
    errTimeout: 'This is taking too long. Check your internet connection, then try again.',
    errNotReady: "{bot} isn't ready yet. We'll try again in {seconds} seconds.",
    errNotReadyManual: "{bot} isn't ready yet. Please try again in a minute.",
    errRate: "That's a lot of messages quickly. We'll send yours in {seconds} seconds.",
    errRejected: "That message couldn't be sent. Messages can be up to {max} characters.",
    errServer: "Something went wrong on our side. It's not your fault. Please try again.",
    // Filled from the service's help contacts (resources/services.yml): a line whose {placeholders} cannot
    // all be filled is left out. errHelpNoContacts is shown when no line with a contact is left.
    errHelp: 'If you need to talk to someone now:\n' +
      '• Under {childline_under}: call {childline_name} free on {childline_phone}, {childline_hours}.\n' +
      '• Any age: call {samaritans_name} free on {samaritans_phone}, {samaritans_hours}.\n' +
      "• If you're in danger right now, call {police_emergency_phone}.",
    errHelpNoContacts: "If you need to talk to someone now, look for the helplines on this website. If you're in " +
      'danger right now, call the emergency services.',
    retry: 'Try again',
    expired: 'Your earlier chat was deleted because it was quiet for a while. This is a new chat.',
    dir: 'ltr' // text direction of these strings: 'ltr' or 'rtl'
  };

  var LANGUAGES = { en: EN };

  /* ------------------------------------------------------------------ config */

  var script = document.currentScript;
  if (!script) {
    var candidates = document.querySelectorAll('script[src*="widget"]');
    script = candidates.length ? candidates[candidates.length - 1] : null;
  }
  var ds = (script && script.dataset) || {};
  var globalCfg = window.KestrelWidgetConfig || {};

  function opt(dataName, cfgName, fallback) {
    if (ds[dataName] != null && ds[dataName] !== '') return ds[dataName];
    if (globalCfg[cfgName] != null && globalCfg[cfgName] !== '') return globalCfg[cfgName];
    return fallback;
  }

  function deriveApiBase() {
    var explicit = opt('api', 'api', null);
    try {
      if (explicit) return new URL(String(explicit), location.href).href.replace(/\/+$/, '');
      var src = new URL(script && script.src ? script.src : location.href, location.href);
      var path = src.pathname;
      if (/\/static\/[^/]*$/.test(path)) path = path.replace(/\/static\/[^/]*$/, '');
      else path = path.replace(/\/[^/]*$/, '');
      return (src.origin + path).replace(/\/+$/, '');
    } catch (e) {
      return location.origin;
    }
  }

  function safeExitUrl(raw) {
    try {
      var u = new URL(String(raw), location.href);
      if (u.protocol === 'https:' || u.protocol === 'http:') return u.href;
    } catch (e) { /* fall through */ }
    return DEFAULT_EXIT_URL;
  }

  var apiBase = deriveApiBase();
  var exitUrl = safeExitUrl(opt('exitUrl', 'exitUrl', DEFAULT_EXIT_URL));
  var persist = String(opt('persist', 'persist', '')).toLowerCase() === 'session';
  var escapeMode = String(opt('escape', 'escape', 'widget')).toLowerCase();
  var position = String(opt('position', 'position', 'right')).toLowerCase() === 'left' ? 'left' : 'right';
  var openOnLoad = String(opt('open', 'open', '')).toLowerCase() === 'true';
  var shiftExit = String(opt('shiftExit', 'shiftExit', '')).toLowerCase() === 'true';

  // {key: text} from the resource file, or null until known. Kept in memory only: public facts, nothing
  // about the person.
  function cleanHelp(raw) {
    var values = raw && typeof raw === 'object' ? raw.values : null;
    if (!values || typeof values !== 'object') return null;
    var out = {};
    Object.keys(values).forEach(function (k) {
      var v = values[k];
      if (/^\w{1,80}$/.test(k) && (typeof v === 'string' || typeof v === 'number') && String(v).length <= 500) {
        out[k] = String(v);
      }
    });
    return Object.keys(out).length ? out : null;
  }

  var helpValues = (function helpFromHost() {
    var raw = globalCfg.help;
    if (ds.help) {
      try { raw = JSON.parse(ds.help); } catch (e) { raw = null; }
    }
    return cleanHelp(raw);
  })();

  var strings = (function buildStrings() {
    var langs = Object.assign({}, LANGUAGES, window.KestrelWidgetLanguages || {});
    var lang = String(opt('lang', 'lang', document.documentElement.lang || 'en')).toLowerCase();
    var pack = langs[lang] || langs[lang.split('-')[0]] || {};
    var fromAttr = {};
    if (ds.strings) {
      try { fromAttr = JSON.parse(ds.strings) || {}; } catch (e) { fromAttr = {}; }
    }
    var s = Object.assign({}, EN, pack, globalCfg.strings || {}, fromAttr);
    var title = opt('title', 'title', null);
    if (title) s.title = String(title);
    if (!s.launcher) s.launcher = s.title;
    Object.keys(s).forEach(function (k) { s[k] = String(s[k]); });
    return s;
  })();

  function t(key, vars) {
    var out = strings[key] || '';
    var all = Object.assign({ bot: strings.botName, max: MAX_CHARS.toLocaleString('en-GB') }, vars || {});
    return out.replace(/\{(\w+)\}/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(all, name) ? String(all[name]) : m;
    });
  }

  /* ------------------------------------------------------------------ CSS */

  var CSS = [
    /* Custom properties a deployer may set (defaults meet WCAG AA contrast):
       --kestrel-accent, --kestrel-accent-text, --kestrel-bg, --kestrel-text, --kestrel-muted,
       --kestrel-border, --kestrel-bot-bg, --kestrel-bot-text, --kestrel-user-bg, --kestrel-user-text,
       --kestrel-leave-bg, --kestrel-leave-text, --kestrel-link, --kestrel-focus, --kestrel-focus-inner,
       --kestrel-error-bg, --kestrel-error-border, --kestrel-font, --kestrel-font-size,
       --kestrel-radius, --kestrel-z, --kestrel-offset */
    ':host{all:initial!important;display:block!important;position:static!important;visibility:visible!important;',
    '  --k-accent:var(--kestrel-accent,#1f4773);--k-accent-text:var(--kestrel-accent-text,#ffffff);',
    '  --k-bg:var(--kestrel-bg,#ffffff);--k-text:var(--kestrel-text,#1b1f24);--k-muted:var(--kestrel-muted,#4a5561);',
    '  --k-border:var(--kestrel-border,#6b7580);--k-bot-bg:var(--kestrel-bot-bg,#eef2f6);--k-bot-text:var(--kestrel-bot-text,#1b1f24);',
    '  --k-user-bg:var(--kestrel-user-bg,#1f4773);--k-user-text:var(--kestrel-user-text,#ffffff);',
    '  --k-leave-bg:var(--kestrel-leave-bg,#a4271d);--k-leave-text:var(--kestrel-leave-text,#ffffff);',
    '  --k-link:var(--kestrel-link,#1a4f8b);--k-focus:var(--kestrel-focus,#0b0c0c);--k-focus-inner:var(--kestrel-focus-inner,#ffdd00);',
    '  --k-error-bg:var(--kestrel-error-bg,#fcf1f0);--k-error-border:var(--kestrel-error-border,#a4271d);',
    '  --k-radius:var(--kestrel-radius,14px);--k-z:var(--kestrel-z,2147483000);--k-offset:var(--kestrel-offset,16px);}',
    '*,*::before,*::after{box-sizing:border-box}',
    '[hidden]{display:none!important}',
    '.k-root{font-family:var(--kestrel-font,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif);',
    '  font-size:var(--kestrel-font-size,medium);line-height:1.5;color:var(--k-text);text-align:start;',
    '  -webkit-text-size-adjust:100%;text-size-adjust:100%;}',
    'button,textarea{font:inherit;letter-spacing:inherit;text-transform:none;margin:0}',
    'button{cursor:pointer}',
    ':focus{outline:none}',
    ':focus-visible{outline:3px solid var(--k-focus);outline-offset:3px;box-shadow:0 0 0 3px var(--k-focus-inner)}',
    '.k-sr{position:absolute!important;width:1px!important;height:1px!important;margin:-1px!important;padding:0!important;',
    '  overflow:hidden!important;clip:rect(0 0 0 0)!important;clip-path:inset(50%)!important;white-space:nowrap!important;border:0!important}',

    /* launcher */
    '.k-launcher{position:fixed;bottom:var(--k-offset);right:var(--k-offset);z-index:var(--k-z);display:inline-flex;align-items:center;gap:.5em;',
    '  min-height:3em;padding:.65em 1.25em .65em 1em;border:2px solid var(--k-accent-text);border-radius:999px;',
    '  background:var(--k-accent);color:var(--k-accent-text);font-weight:600;font-size:1.0625em;line-height:1.2;',
    '  box-shadow:0 4px 16px rgba(0,0,0,.28)}',
    '.k-left .k-launcher{right:auto;left:var(--k-offset)}',
    '.k-launcher:hover{filter:brightness(1.12)}',
    '.k-launcher svg{width:1.4em;height:1.4em;flex:none;fill:currentColor}',
    /* stepped aside for a button of the page's own that opens the chat (see updateLauncher) */
    '.k-launcher.k-away{visibility:hidden}',

    /* panel */
    '.k-panel{position:fixed;bottom:var(--k-offset);right:var(--k-offset);z-index:var(--k-z);display:flex;flex-direction:column;',
    '  width:min(25.5em,calc(100vw - 2 * var(--k-offset)));height:min(42em,calc(100vh - 2 * var(--k-offset)));',
    '  background:var(--k-bg);color:var(--k-text);border:1px solid var(--k-border);border-radius:var(--k-radius);',
    '  box-shadow:0 10px 40px rgba(0,0,0,.3);overflow:hidden}',
    '.k-left .k-panel{right:auto;left:var(--k-offset)}',
    '.k-panel:focus{outline:none}',
    '@media ' + FULLSCREEN_MQ + '{',
    '  .k-panel,.k-left .k-panel{top:0;right:0;bottom:0;left:0;width:100%;height:100%;border:0;border-radius:0;box-shadow:none}',
    '}',
    '@supports (height:100dvh){@media ' + FULLSCREEN_MQ + '{.k-panel,.k-left .k-panel{height:100dvh}}}',

    /* header */
    '.k-header{display:flex;align-items:flex-start;gap:.5em;padding:.75em .75em .75em 1em;background:var(--k-accent);color:var(--k-accent-text);flex:none}',
    '.k-heading{flex:1 1 auto;min-width:0}',
    '.k-title{margin:0;font-size:1.125em;font-weight:700;line-height:1.3;color:inherit;overflow-wrap:anywhere}',
    '.k-title:focus{outline:none;box-shadow:none}',
    '.k-sub{margin:.15em 0 0;font-size:.875em;line-height:1.35;color:inherit;overflow-wrap:anywhere}',
    '.k-hbtn{flex:none;min-height:2.75em;min-width:2.75em;padding:.4em .8em;border-radius:.5em;font-weight:700;line-height:1.2}',
    '.k-leave{background:var(--k-leave-bg);color:var(--k-leave-text);border:2px solid var(--k-accent-text)}',
    '.k-leave:hover{filter:brightness(1.12)}',
    '.k-hide{background:transparent;color:var(--k-accent-text);border:2px solid var(--k-accent-text);font-weight:600}',
    '.k-hide:hover{background:rgba(255,255,255,.14)}',
    '.k-subline{display:none}',

    /* log */
    '.k-log{flex:1 1 auto;min-height:0;overflow-y:auto;overscroll-behavior:contain;position:relative;padding:1em;',
    '  display:flex;flex-direction:column;gap:.75em;background:var(--k-bg)}',
    '.k-log:focus-visible{outline-offset:-3px;box-shadow:inset 0 0 0 6px var(--k-focus-inner)}',
    '.k-msg{display:flex;flex-direction:column;max-width:100%}',
    '.k-bubble{max-width:88%;padding:.6em .85em;border-radius:1em;overflow-wrap:anywhere;word-break:normal}',
    '.k-bot .k-bubble{align-self:flex-start;background:var(--k-bot-bg);color:var(--k-bot-text);border-bottom-left-radius:.3em}',
    '.k-user{align-items:flex-end}',
    '.k-user .k-bubble{align-self:flex-end;background:var(--k-user-bg);color:var(--k-user-text);border-bottom-right-radius:.3em;white-space:pre-wrap}',
    '.k-notice .k-bubble{align-self:stretch;max-width:100%;background:transparent;color:var(--k-muted);border:1px dashed var(--k-border);',
    '  border-radius:.6em;font-size:.9375em;text-align:center}',
    '.k-bubble p{margin:0 0 .55em}',
    '.k-bubble p:last-child,.k-bubble ul:last-child,.k-bubble ol:last-child{margin-bottom:0}',
    '.k-bubble ul,.k-bubble ol{margin:.2em 0 .55em;padding-left:1.3em}',
    '.k-bubble li{margin:.15em 0}',
    '.k-bubble ul.k-checks{list-style-type:"\\2713\\00a0\\00a0";padding-left:1.5em}',
    '.k-bubble strong{font-weight:700}',
    '.k-bubble a{color:var(--k-link);text-decoration:underline;text-underline-offset:2px;font-weight:600}',
    '.k-bubble a:hover{text-decoration-thickness:2px}',
    '.k-replies{display:flex;flex-wrap:wrap;gap:.5em;margin-top:.6em;max-width:100%}',
    '.k-reply{min-height:2.75em;padding:.45em 1em;border:2px solid var(--k-accent);border-radius:1.4em;background:var(--k-bg);',
    '  color:var(--k-accent);font-weight:600;line-height:1.25;text-align:left;overflow-wrap:anywhere;max-width:100%}',
    '.k-reply:not(:disabled):hover{background:var(--k-bot-bg)}',
    /* replies of earlier steps stay readable as history but cannot be pressed */
    '.k-reply:disabled{cursor:default;border-style:dashed;border-color:var(--k-border);background:transparent;color:var(--k-muted)}',

    /* typing */
    '.k-typing{flex:none;display:flex;align-items:center;gap:.5em;padding:0 1em .5em;color:var(--k-muted);font-size:.9375em}',
    '.k-dots{display:inline-flex;gap:.25em;padding:.55em .75em;border-radius:1em;background:var(--k-bot-bg)}',
    '.k-dots span{width:.5em;height:.5em;border-radius:50%;background:var(--k-muted)}',
    '@media (prefers-reduced-motion:no-preference){',
    '  .k-dots span{animation:k-blink 1.2s infinite ease-in-out}',
    '  .k-dots span:nth-child(2){animation-delay:.2s}.k-dots span:nth-child(3){animation-delay:.4s}',
    '  .k-panel{animation:k-in .16s ease-out}',
    '}',
    '@keyframes k-blink{0%,80%,100%{opacity:.3}40%{opacity:1}}',
    '@keyframes k-in{from{opacity:0;transform:translateY(8px)}to{opacity:1;transform:none}}',

    /* error */
    '.k-error{flex:none;margin:0 1em .6em;padding:.65em .8em;background:var(--k-error-bg);color:var(--k-text);',
    '  border-left:4px solid var(--k-error-border);border-radius:.4em;font-size:.9375em}',
    '.k-error p{margin:0 0 .4em}',
    '.k-error p:last-of-type{margin-bottom:0}',
    '.k-error a{color:var(--k-link);font-weight:600}',
    '.k-help{margin-top:.4em}',
    '.k-error ul{margin:.2em 0 0;padding-left:1.3em}',
    '.k-error li{margin:.15em 0}',
    '.k-retry{margin-top:.5em;min-height:2.75em;padding:.4em 1em;border:2px solid var(--k-accent);border-radius:.5em;',
    '  background:var(--k-accent);color:var(--k-accent-text);font-weight:700}',

    /* composer */
    '.k-form{flex:none;display:flex;align-items:flex-end;gap:.5em;padding:.75em .75em .5em;border-top:1px solid var(--k-border);background:var(--k-bg)}',
    '.k-input{flex:1 1 auto;min-width:0;min-height:2.9em;max-height:8em;padding:.6em .75em;border:2px solid var(--k-border);',
    '  border-radius:.6em;background:var(--k-bg);color:var(--k-text);font-size:max(1em,16px);line-height:1.4;resize:none;field-sizing:content}',
    '.k-input::placeholder{color:var(--k-muted);opacity:1}',
    '.k-send{flex:none;min-height:2.9em;padding:.5em 1.1em;border:2px solid var(--k-accent);border-radius:.6em;',
    '  background:var(--k-accent);color:var(--k-accent-text);font-weight:700}',
    '.k-send:hover{filter:brightness(1.12)}',
    '.k-count{flex:none;padding:0 1em;color:var(--k-muted);font-size:.875em}',
    '.k-tools{flex:none;display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:0 1em;padding:0 .75em .5em;font-size:.875em}',
    '.k-clear{min-height:2.75em;padding:.3em .25em;border:0;background:transparent;color:var(--k-link);text-decoration:underline;',
    '  text-underline-offset:2px;font-weight:600}',
    '.k-hint{margin:0;color:var(--k-muted)}',
    '@media (hover:none) and (pointer:coarse){.k-hint{display:none}}', /* no Esc key on phones */

    /* very short windows (e.g. 400% zoom, phone on its side): the whole panel scrolls as one column, under
       a one-row header that stays put, so "Leave now" is always on screen */
    '@media (max-height: 320px){',
    '  .k-panel{overflow-y:auto;overscroll-behavior:contain;scroll-padding-top:4.5em}',
    '  .k-panel>*{flex-shrink:0}',
    '  .k-header{position:sticky;top:0;z-index:1;align-items:center;padding:.4em .5em .4em .75em}',
    /* the subtitle would make that header too tall: it is shown once, below, and scrolls away */
    '  .k-sub{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}',
    '  .k-subline{display:block;margin:0;padding:0 1em .6em;background:var(--k-accent);color:var(--k-accent-text);',
    '    font-size:.875em;line-height:1.35;overflow-wrap:anywhere}',
    '  .k-log{flex:none;overflow:visible;min-height:auto}',
    '}',

    /* Shown the moment leaving starts, until the exit site replaces the page. Fixed neutral colours:
       the deployer's theme could give away which site this was. */
    '.k-cover{position:fixed;top:0;right:0;bottom:0;left:0;z-index:2147483647;display:flex;align-items:center;',
    '  justify-content:center;margin:0;background:#ffffff;color:#505a5f;font:1.25em/1.4 system-ui,sans-serif}',
    '.k-cover:focus{outline:none;box-shadow:none}',

    /* Windows high contrast / forced colours */
    '@media (forced-colors:active){',
    '  .k-bubble,.k-launcher,.k-reply,.k-send,.k-retry,.k-hbtn,.k-error{border:1px solid CanvasText}',
    '  .k-reply:disabled{color:GrayText;border-color:GrayText}',
    '  :focus-visible{outline-color:Highlight}',
    '}'
  ].join('\n');

  /* ------------------------------------------------------------------ DOM helpers */

  function el(tag, props, children) {
    var n = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        var v = props[k];
        if (v == null || v === false) return;
        if (k === 'class') n.className = v;
        else if (k === 'text') n.textContent = String(v);
        else if (k.indexOf('on') === 0) n.addEventListener(k.slice(2), v);
        else n.setAttribute(k, v === true ? '' : String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c == null) return;
      n.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return n;
  }

  function svgIcon(pathD) {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    var p = document.createElementNS(ns, 'path');
    p.setAttribute('d', pathD);
    svg.appendChild(p);
    return svg;
  }

  /* ------------------------------------------------------------------ safe rich text */

  // Only these schemes ever become links.
  function safeHref(raw) {
    var s = String(raw).trim();
    if (/^www\./i.test(s)) s = 'https://' + s;
    var m = /^(tel|sms):(.*)$/i.exec(s);
    if (m) {
      var num = m[2].replace(/[\s().-]/g, '');
      if (!/^\+?\d{3,15}$/.test(num)) return null;
      return m[1].toLowerCase() + ':' + num;
    }
    var u;
    try { u = new URL(s); } catch (e) { return null; }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (u.username || u.password) return null;
    return u.href;
  }

  var NUMBER_END = /(?![\d%]|[.,]\d)/.source;

  // The service's phone numbers (every `*_phone` help value) as patterns, longest first so that a relay
  // prefix and number are not read as the bare number. Separators may be a space, a dot or a dash.
  function knownNumberPatterns(values) {
    var seen = {};
    Object.keys(values || {}).forEach(function (k) {
      var v = values[k].trim();
      if (!/_phone$/.test(k) || !/^\+?\d[\d .-]{0,24}$/.test(v) || !/\d$/.test(v)) return;
      seen[v] = true;
    });
    return Object.keys(seen).sort(function (a, b) { return b.length - a.length; }).map(function (v) {
      var parts = v.split(/[ .-]+/);
      var first = parts[0].replace(/^\+/, '\\+');
      return (v.charAt(0) === '+' ? '' : '\\b') + [first].concat(parts.slice(1)).join('[ .-]?');
    });
  }

  // One alternation; the leftmost match wins, then the earliest alternative. Rebuilt when the help
  // contacts arrive, so that the numbers the service gives are links and no number is written in here.
  function buildTokenRe(values) {
    var known = knownNumberPatterns(values);
    return new RegExp([
      /\[([^\]\n]{1,300})\]\(([^)\s]{1,2000})\)/.source,                        // 1,2 [text](url)
      /((?:https?:\/\/|www\.)[^\s<>"'`]+)/.source,                              // 3 url
      /((?:tel|sms):\+?\d[\d ().-]{1,20}\d)/.source,                            // 4 explicit tel:/sms:
      /(\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:org\.uk|co\.uk|police\.uk|gov\.uk|nhs\.uk|ac\.uk|org|com|net|uk)(?:\/[^\s<>"'`]*)?)(?![\w@-])/.source, // 5 bare domain
      '(' + (known.length ? known.join('|') : '(?!)') + ')' + NUMBER_END,          // 6 a number the service gave
      // 7 any number shaped like an international or a 0-prefixed national one
      /(\+\d{1,3}(?: ?\d{2,5}){2,4}|\b0\d{1,4}(?: \d{2,4}){1,4}|\b0\d{7,10})/.source + NUMBER_END,
      /(\b\d{5,6})/.source + NUMBER_END                                           // 8 text short code
    ].join('|'), 'gi');
  }

  var TOKEN_RE = buildTokenRe(helpValues);

  var TRAILING_PUNCT = /[.,;:!?'"\])}]+$/;

  function linkNode(href, label) {
    var a = el('a', { href: href });
    a.appendChild(document.createTextNode(label));
    if (/^https?:/.test(href)) {
      a.setAttribute('target', '_blank');
      a.setAttribute('rel', 'noopener noreferrer');
      a.setAttribute('referrerpolicy', 'no-referrer');
      a.appendChild(el('span', { class: 'k-sr', text: ' ' + strings.newTab }));
    }
    return a;
  }

  function appendLinkified(parent, text) {
    var last = 0;
    var m;
    TOKEN_RE.lastIndex = 0;
    while ((m = TOKEN_RE.exec(text)) !== null) {
      var start = m.index;
      var whole = m[0];
      var prev = start > 0 ? text.charAt(start - 1) : '';
      var node = null;
      var consumed = whole;
      if (m[1] != null) {
        var h = safeHref(m[2]);
        node = h ? linkNode(h, m[1]) : null;
        if (!node) { consumed = whole; node = document.createTextNode(m[1] + ' (' + m[2] + ')'); }
      } else if (m[3] != null || m[5] != null) {
        var raw = m[3] != null ? m[3] : m[5];
        var trail = (TRAILING_PUNCT.exec(raw) || [''])[0];
        // keep a closing bracket that belongs to the URL, e.g. .../Foo_(bar)
        if (trail.charAt(0) === ')' && raw.indexOf('(') !== -1) trail = trail.slice(1);
        var core = trail ? raw.slice(0, raw.length - trail.length) : raw;
        consumed = core;
        var okPrev = m[5] == null || !/[\w@.\/-]/.test(prev);
        var href = okPrev ? safeHref(m[5] != null ? 'https://' + core : core) : null;
        node = href ? linkNode(href, core) : null;
      } else if (m[4] != null) {
        var hh = safeHref(m[4]);
        node = hh ? linkNode(hh, m[4]) : null;
      } else if (m[6] != null || m[7] != null) {
        var num = m[6] != null ? m[6] : m[7];
        var digits = num.replace(/\D/g, '');
        // A price (£20), a version (v2.0) or a number glued to a word is not a phone number.
        var okNum = !/[\w£$€¥.,:\/+#-]/.test(prev) && (m[6] != null ||
          (num.charAt(0) === '+' ? digits.length >= 8 && digits.length <= 15 : digits.length >= 8 && digits.length <= 11));
        node = okNum ? linkNode('tel:' + num.replace(/[^\d+]/g, ''), num) : null;
      } else if (m[8] != null) {
        // A 5-6 digit number becomes an sms: link only when the sentence says "text ... to NNNNN".
        var before = text.slice(Math.max(0, start - 40), start);
        var isSms = /\btext\b[^.!?\n]*\bto\s*$/i.test(before) && !/[\w£$€.,]/.test(prev.replace(/\s/, ''));
        node = isSms ? linkNode('sms:' + m[8], m[8]) : null;
      }
      if (!node) continue; // not a link after all; it stays in the plain text run
      if (start > last) parent.appendChild(document.createTextNode(text.slice(last, start)));
      parent.appendChild(node);
      last = start + consumed.length;
      TOKEN_RE.lastIndex = last;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function appendInline(parent, text) {
    var re = /\*\*([^*\n]+?)\*\*/g;
    var last = 0;
    var m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) appendLinkified(parent, text.slice(last, m.index));
      var strong = el('strong');
      appendLinkified(strong, m[1]);
      parent.appendChild(strong);
      last = m.index + m[0].length;
    }
    if (last < text.length) appendLinkified(parent, text.slice(last));
  }

  function renderRichText(container, text) {
    var lines = String(text).replace(/\r\n?/g, '\n').split('\n');
    var para = null;
    var list = null;
    var listType = null;
    lines.forEach(function (raw) {
      var line = raw.replace(/\s+$/, '');
      var bullet = /^\s*(?:•|-|\*|–)\s+(.*)$/.exec(line);
      var check = /^\s*(?:✓|✔)\s*(.*)$/.exec(line);
      var numbered = /^\s*(\d{1,2})[.)]\s+(.*)$/.exec(line);
      if (check) bullet = check;
      if (bullet || numbered) {
        var type = check ? 'ul.k-checks' : bullet ? 'ul' : 'ol';
        para = null;
        if (!list || listType !== type) {
          list = type === 'ul.k-checks' ? el('ul', { class: 'k-checks' }) : el(type);
          listType = type;
          if (numbered && numbered[1] !== '1') list.setAttribute('start', numbered[1]);
          container.appendChild(list);
        }
        var li = el('li');
        appendInline(li, bullet ? bullet[1] : numbered[2]);
        list.appendChild(li);
        return;
      }
      list = null;
      listType = null;
      if (line.trim() === '') { para = null; return; }
      if (!para) { para = el('p'); container.appendChild(para); } else { para.appendChild(el('br')); }
      appendInline(para, line.trim());
    });
  }

  /* ------------------------------------------------------------------ state */

  var state = {
    id: null,          // conversation id on the server
    transcript: [],    // [{from:'bot'|'user'|'notice', text, buttons}]
    open: false
  };
  var queue = [];      // [{type:'start'} | {type:'send', text?, payload?, key, display}]
  var busy = false;
  var paused = false;
  var inflight = [];   // AbortControllers
  var retryTimer = null;
  var notReadyTries = 0;
  var generation = 0;  // bumps on clear/leave so late responses are dropped
  var leaving = false;
  var returnFocusTo = null;

  function storageGet() {
    try { return JSON.parse(window.sessionStorage.getItem(STORE_KEY) || 'null'); } catch (e) { return null; }
  }
  function save() {
    if (!persist) return; // by default nothing ever touches storage
    try {
      window.sessionStorage.setItem(STORE_KEY, JSON.stringify({
        id: state.id, transcript: state.transcript.slice(-200), open: state.open
      }));
    } catch (e) { /* storage full or blocked: carry on in memory */ }
  }
  function forget() {
    try { window.sessionStorage.removeItem(STORE_KEY); } catch (e) { /* blocked */ }
  }

  /* ------------------------------------------------------------------ build UI */

  var host = document.createElement('kestrel-widget');
  host.setAttribute('data-kestrel-version', VERSION);
  var root = host.attachShadow({ mode: 'open' });

  (function applyStyles() {
    var ok = false;
    try {
      if ('adoptedStyleSheets' in Document.prototype && typeof CSSStyleSheet === 'function') {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
        ok = true;
      }
    } catch (e) { ok = false; }
    if (!ok) root.appendChild(el('style', { text: CSS })); // older browsers; needs style-src to allow it
  })();

  var launcher = el('button', {
    type: 'button', class: 'k-launcher', 'aria-haspopup': 'dialog', 'aria-expanded': 'false', 'aria-controls': 'k-panel'
  }, [
    svgIcon('M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm5 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z'),
    el('span', { class: 'k-launcher-text', text: strings.launcher })
  ]);

  var title = el('h2', { class: 'k-title', id: 'k-title', tabindex: '-1', text: strings.title });
  var sub = el('p', { class: 'k-sub', id: 'k-sub', text: persist ? strings.subtitlePersist : strings.subtitle });
  var leaveBtn = el('button', { type: 'button', class: 'k-hbtn k-leave', 'aria-label': strings.leaveLabel, text: strings.leave });
  var hideBtn = el('button', { type: 'button', class: 'k-hbtn k-hide', 'aria-label': strings.hideLabel, text: strings.hide });
  var header = el('div', { class: 'k-header' }, [el('div', { class: 'k-heading' }, [title, sub]), leaveBtn, hideBtn]);
  var subline = el('p', { class: 'k-subline', 'aria-hidden': 'true', text: sub.textContent });

  var log = el('div', {
    class: 'k-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '0',
    'aria-label': strings.conversationLabel
  });
  var typing = el('div', { class: 'k-typing', 'aria-hidden': 'true', hidden: true }, [
    el('span', { class: 'k-dots' }, [el('span'), el('span'), el('span')]),
    el('span', { text: t('typing') })
  ]);
  var status = el('div', { class: 'k-sr', role: 'status' });
  var errorBox = el('div', { class: 'k-error', role: 'alert', hidden: true });
  var errorHelp = el('div', { class: 'k-help' });

  var input = el('textarea', {
    class: 'k-input', id: 'k-input', rows: '1', maxlength: String(MAX_CHARS), placeholder: strings.placeholder,
    autocomplete: 'off', autocapitalize: 'sentences', dir: 'auto', spellcheck: 'true', enterkeyhint: 'send',
    'aria-describedby': 'k-count'
  });
  var inputLabel = el('label', { class: 'k-sr', for: 'k-input', text: strings.inputLabel });
  var sendBtn = el('button', { type: 'submit', class: 'k-send', text: strings.send });
  var form = el('form', { class: 'k-form', novalidate: true }, [inputLabel, input, sendBtn]);
  var count = el('div', { class: 'k-count', id: 'k-count', hidden: true });
  var clearBtn = el('button', { type: 'button', class: 'k-clear', text: strings.clear });
  var hintText = escapeMode === 'off' ? (shiftExit ? strings.shiftHint : '')
    : (shiftExit ? strings.escShiftHint : strings.escHint);
  var hint = el('p', { class: 'k-hint', text: hintText, hidden: !hintText });
  var tools = el('div', { class: 'k-tools' }, [clearBtn, hint]);

  var panel = el('div', {
    class: 'k-panel', id: 'k-panel', role: 'dialog', 'aria-labelledby': 'k-title', 'aria-describedby': 'k-sub',
    tabindex: '-1', hidden: true
  }, [header, subline, log, typing, errorBox, form, count, tools, status]);

  var cover = el('div', { class: 'k-cover', role: 'alert', tabindex: '-1', hidden: true, text: strings.leaving });

  var wrapper = el('div', {
    class: 'k-root' + (position === 'left' ? ' k-left' : ''), dir: strings.dir === 'rtl' ? 'rtl' : 'ltr'
  }, [launcher, panel, cover]);
  root.appendChild(wrapper);

  /* ------------------------------------------------------------------ rendering */

  function scrollToShow(node) {
    // Bring the start of the newest message into view inside the widget only (never scrolls the host page).
    // Normally the log scrolls; in very short windows the whole panel does.
    var box = log.scrollHeight > log.clientHeight + 1 ? log : panel;
    // When the panel scrolls, its header stays on top of it: start below the header, not under it.
    var covered = box === panel && getComputedStyle(header).position === 'sticky' ? header.offsetHeight : 0;
    var delta = node.getBoundingClientRect().top - box.getBoundingClientRect().top - covered - 8;
    box.scrollTop = Math.max(0, Math.min(box.scrollTop + delta, box.scrollHeight - box.clientHeight));
  }

  function renderEntry(entry) {
    var node;
    if (entry.from === 'user') {
      node = el('div', { class: 'k-msg k-user' }, [
        el('span', { class: 'k-sr', text: strings.youSaid + ' ' }),
        el('div', { class: 'k-bubble', dir: 'auto', text: entry.text })
      ]);
    } else if (entry.from === 'notice') {
      var nb = el('div', { class: 'k-bubble', dir: 'auto' });
      renderRichText(nb, entry.text);
      node = el('div', { class: 'k-msg k-notice' }, [el('span', { class: 'k-sr', text: strings.noticeLabel + ' ' }), nb]);
    } else {
      node = el('div', { class: 'k-msg k-bot' });
      if (entry.text) {
        var bubble = el('div', { class: 'k-bubble', dir: 'auto' });
        renderRichText(bubble, entry.text);
        node.appendChild(el('span', { class: 'k-sr', text: t('botSaid') + ' ' }));
        node.appendChild(bubble);
      }
      if (entry.buttons && entry.buttons.length) {
        var group = el('div', { class: 'k-replies', role: 'group', 'aria-label': strings.repliesLabel });
        entry.buttons.forEach(function (b) {
          group.appendChild(el('button', {
            type: 'button', class: 'k-reply', disabled: !!entry.stale,
            onclick: function () { if (!entry.stale) sendReply(b); }
          }, [b.title]));
        });
        node.appendChild(group);
      }
    }
    log.appendChild(node);
    return node;
  }

  function addEntry(entry) {
    state.transcript.push(entry);
    save();
    return renderEntry(entry);
  }

  function cleanMessages(data) {
    var list = data && Array.isArray(data.messages) ? data.messages : [];
    var out = [];
    list.forEach(function (m) {
      if (!m || typeof m !== 'object') return;
      var text = typeof m.text === 'string' ? m.text : (m.text != null ? String(m.text) : '');
      var buttons = [];
      if (Array.isArray(m.buttons)) {
        m.buttons.slice(0, 12).forEach(function (b) {
          if (!b || b.title == null) return;
          var title = String(b.title).slice(0, 200);
          var payload = b.payload != null ? String(b.payload) : title;
          if (title.trim()) buttons.push({ title: title, payload: payload });
        });
      }
      if (text.trim() || buttons.length) out.push({ from: 'bot', text: text, buttons: buttons });
    });
    return out;
  }

  // Quick replies answer the step they came with: pressed later (say step 1's "Done" at step 3) they would
  // move the plan on by a step the person never saw. So a newer reply retires every earlier button.
  function retireReplies() {
    state.transcript.forEach(function (e) {
      if (e.buttons && e.buttons.length) e.stale = true;
    });
    var active = root.activeElement;
    var hadFocus = !!(active && active.classList && active.classList.contains('k-reply'));
    Array.prototype.forEach.call(log.querySelectorAll('.k-reply'), function (b) { b.disabled = true; });
    return hadFocus;
  }

  function showBotMessages(messages) {
    if (!messages.length) return;
    // A disabled button drops focus to the page body, where Escape would no longer leave in the default
    // mode: put focus somewhere useful inside the widget.
    var refocus = retireReplies();
    var nodes = messages.map(addEntry);
    scrollToShow(nodes[0]);
    if (refocus) {
      var fresh = null;
      nodes.some(function (n) { fresh = n.querySelector('.k-reply'); return !!fresh; });
      (fresh || input).focus({ preventScroll: true });
    }
  }

  function setTyping(on) {
    typing.hidden = !on;
    status.textContent = on ? t('typing') : '';
    if (on) log.scrollTop = log.scrollHeight;
  }

  // errHelp filled from the help contacts, line by line: a line naming a contact the service did not give
  // is left out rather than shown half-filled. Null when no line with a contact is left (nothing known yet,
  // or a profile without those services); a deployer's errHelp with no placeholders is shown as written.
  function helpText() {
    var vars = Object.assign({}, helpValues, { bot: strings.botName, max: MAX_CHARS.toLocaleString('en-GB') });
    var filled = 0;
    var lines = [];
    strings.errHelp.split('\n').forEach(function (line) {
      var names = line.match(/\{\w+\}/g) || [];
      var missing = names.some(function (n) { return !Object.prototype.hasOwnProperty.call(vars, n.slice(1, -1)); });
      if (missing) return;
      if (names.length) filled += 1;
      lines.push(line.replace(/\{(\w+)\}/g, function (m, name) { return vars[name]; }));
    });
    var placeholders = /\{\w+\}/.test(strings.errHelp);
    if (!lines.join('').trim() || (placeholders && !filled)) return null;
    return lines.join('\n');
  }

  function renderHelp() {
    while (errorHelp.firstChild) errorHelp.removeChild(errorHelp.firstChild);
    if (strings.errHelp) renderRichText(errorHelp, helpText() || strings.errHelpNoContacts);
  }

  function showError(text, withRetry) {
    while (errorBox.firstChild) errorBox.removeChild(errorBox.firstChild);
    var p = el('p');
    appendInline(p, text);
    errorBox.appendChild(p);
    renderHelp();
    errorBox.appendChild(errorHelp);
    if (withRetry) {
      errorBox.appendChild(el('button', { type: 'button', class: 'k-retry', onclick: retryNow, text: strings.retry }));
    }
    errorBox.hidden = false;
    loadHelp(); // the first try may have failed along with whatever went wrong now
  }

  function setHelp(values) {
    helpValues = values;
    TOKEN_RE = buildTokenRe(values);
    if (!errorBox.hidden) renderHelp();
  }

  // Fetched as the widget loads, before anything can fail, so that a person whose connection drops later
  // still gets the numbers. Tried again on opening and on each error until it arrives.
  var helpLoading = false;
  function loadHelp() {
    if (helpValues || helpLoading || leaving) return;
    helpLoading = true;
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, HELP_TIMEOUT_MS);
    var done = function () { clearTimeout(timer); helpLoading = false; };
    try {
      fetch(apiBase + HELP_PATH, {
        method: 'GET', headers: { Accept: 'application/json' }, credentials: 'omit',
        referrerPolicy: 'no-referrer', mode: 'cors', signal: ctrl.signal
      }).then(function (res) {
        if (!res.ok) throw new Error('http ' + res.status);
        return res.json();
      }).then(function (data) {
        done();
        var values = cleanHelp(data);
        if (values && !helpValues) setHelp(values);
      }, done);
    } catch (e) { done(); }
  }

  function hideError() {
    errorBox.hidden = true;
    while (errorBox.firstChild) errorBox.removeChild(errorBox.firstChild);
  }

  /* ------------------------------------------------------------------ network */

  function parseRetryAfter(h) {
    if (!h) return null;
    var n = Number(h);
    if (isFinite(n) && n >= 0) return n;
    var d = Date.parse(h);
    return isNaN(d) ? null : Math.max(0, Math.round((d - Date.now()) / 1000));
  }

  // One key per message, kept with it in the queue: a resend after an error or a lost reply carries the
  // same key, so the server answers it with the first reply instead of moving the plan on twice.
  function newIdempotencyKey() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === 'function') {
      try { return c.randomUUID(); } catch (e) { /* not a secure context: fall through */ }
    }
    var bytes = new Uint8Array(16);
    if (c && c.getRandomValues) c.getRandomValues(bytes);
    else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join('');
  }

  function request(method, path, body, headers) {
    var ctrl = new AbortController();
    var timedOut = false;
    var timer = setTimeout(function () { timedOut = true; ctrl.abort(); }, REQUEST_TIMEOUT_MS);
    inflight.push(ctrl);
    var init = {
      method: method,
      headers: { Accept: 'application/json' },
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      mode: 'cors',
      signal: ctrl.signal
    };
    if (headers) Object.keys(headers).forEach(function (k) { init.headers[k] = headers[k]; });
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    function done() {
      clearTimeout(timer);
      var i = inflight.indexOf(ctrl);
      if (i !== -1) inflight.splice(i, 1);
    }
    return fetch(apiBase + path, init).then(function (res) {
      return res.text().then(function (txt) {
        done();
        var data = null;
        try { data = txt ? JSON.parse(txt) : null; } catch (e) { data = null; }
        return { status: res.status, data: data, retryAfter: parseRetryAfter(res.headers.get('Retry-After')) };
      });
    }, function () {
      done();
      var err = new Error(timedOut ? 'timeout' : 'network');
      err.kind = timedOut ? 'timeout' : (ctrl.signal.aborted ? 'aborted' : 'network');
      throw err;
    });
  }

  function httpError(res) {
    var err = new Error('http ' + res.status);
    err.kind = res.status === 429 ? 'rate' : res.status === 503 ? 'notready' : res.status === 404 ? 'gone'
      : (res.status >= 400 && res.status < 500) ? 'rejected' : 'server';
    err.retryAfter = res.retryAfter;
    return err;
  }

  function deleteOnServer(id, keepalive) {
    if (!id) return;
    try {
      fetch(apiBase + '/api/v1/conversations/' + encodeURIComponent(id), {
        method: 'DELETE', keepalive: !!keepalive, credentials: 'omit', cache: 'no-store',
        referrerPolicy: 'no-referrer', mode: 'cors'
      }).catch(function () { /* best effort: the server also deletes idle chats */ });
    } catch (e) { /* ignore */ }
  }

  /* ------------------------------------------------------------------ conversation queue */

  function enqueue(item) {
    queue.push(item);
    pump();
  }

  function createConversation(gen) {
    return request('POST', '/api/v1/conversations', {}).then(function (res) {
      if (gen !== generation) return null;
      if (res.status !== 201 && res.status !== 200) throw httpError(res);
      if (!res.data || typeof res.data.conversation_id !== 'string') {
        var e = new Error('bad response'); e.kind = 'server'; throw e;
      }
      state.id = res.data.conversation_id;
      save();
      return cleanMessages(res.data);
    });
  }

  function processItem(item, gen) {
    if (item.type === 'start') {
      if (state.id) return Promise.resolve();
      return createConversation(gen).then(function (msgs) {
        if (msgs && gen === generation) showBotMessages(msgs);
      });
    }
    var body = item.payload != null ? { payload: item.payload } : { text: item.text };
    var restarted = false;
    function send() {
      var ready = state.id ? Promise.resolve(null) : createConversation(gen);
      return ready.then(function (greeting) {
        if (gen !== generation) return null;
        // A conversation created just to carry this message: its greeting is shown only if
        // nothing has been said yet (otherwise the reply to the message is what matters).
        if (greeting && !restarted && !state.transcript.some(function (e) { return e.from === 'bot'; })) {
          showBotMessages(greeting);
        }
        return request('POST', '/api/v1/conversations/' + encodeURIComponent(state.id) + '/messages', body,
          { 'Idempotency-Key': item.key });
      }).then(function (res) {
        if (!res || gen !== generation) return;
        if (res.status === 404 && !restarted) {
          // expired or deleted on the server: start a new conversation and say so
          restarted = true;
          state.id = null;
          save();
          addEntry({ from: 'notice', text: strings.expired });
          return send();
        }
        if (res.status !== 200) throw httpError(res);
        showBotMessages(cleanMessages(res.data));
      });
    }
    return send();
  }

  function pump() {
    if (busy || paused || leaving || !queue.length) return;
    busy = true;
    var gen = generation;
    var item = queue[0];
    hideError();
    setTyping(true);
    processItem(item, gen).then(function () {
      if (gen !== generation) return;
      queue.shift();
      notReadyTries = 0;
    }, function (err) {
      if (gen !== generation || (err && err.kind === 'aborted')) return;
      handleFailure(err || {});
    }).then(function () {
      if (gen !== generation) return;
      busy = false;
      setTyping(false);
      pump();
    });
  }

  function handleFailure(err) {
    var kind = err.kind || 'server';
    if (kind === 'rejected' || kind === 'gone') {
      queue.shift(); // sending it again will not help
      showError(t('errRejected'), false);
      return;
    }
    paused = true;
    if (kind === 'rate') {
      var secs = Math.min(120, Math.max(2, Math.ceil(err.retryAfter != null ? err.retryAfter : 10)));
      showError(t('errRate', { seconds: secs }), true);
      scheduleRetry(secs);
    } else if (kind === 'notready' && notReadyTries < 3) {
      notReadyTries += 1;
      var wait = Math.min(60, Math.max(2, Math.ceil(err.retryAfter != null ? err.retryAfter : 5 * notReadyTries)));
      showError(t('errNotReady', { seconds: wait }), true);
      scheduleRetry(wait);
    } else if (kind === 'notready') {
      showError(t('errNotReadyManual'), true);
    } else if (kind === 'timeout') {
      showError(t('errTimeout'), true);
    } else if (kind === 'network') {
      showError(t('errNetwork'), true);
    } else {
      showError(t('errServer'), true);
    }
  }

  function scheduleRetry(seconds) {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(function () { retryTimer = null; if (paused) retryNow(); }, seconds * 1000);
  }

  function retryNow() {
    var hadFocus = root.activeElement && root.activeElement.classList.contains('k-retry');
    clearTimeout(retryTimer);
    retryTimer = null;
    paused = false;
    hideError();
    if (hadFocus) input.focus();
    pump();
  }

  function stopEverything() {
    generation += 1;
    queue = [];
    busy = false;
    paused = false;
    clearTimeout(retryTimer);
    retryTimer = null;
    inflight.slice().forEach(function (c) { try { c.abort(); } catch (e) { /* ignore */ } });
    inflight = [];
  }

  /* ------------------------------------------------------------------ user actions */

  function sendText(text) {
    var clean = String(text).replace(/\s+$/, '');
    if (!clean.trim()) return false;
    if (clean.length > MAX_CHARS) clean = clean.slice(0, MAX_CHARS);
    var n = addEntry({ from: 'user', text: clean });
    scrollToShow(n);
    enqueue({ type: 'send', text: clean, key: newIdempotencyKey() });
    return true;
  }

  var lastReply = { button: null, at: 0 };
  function sendReply(button) {
    // A double tap on a quick reply sends it once (twice could skip a step of the plan).
    var now = Date.now();
    if (lastReply.button === button && now - lastReply.at < 1500) return;
    lastReply = { button: button, at: now };
    var n = addEntry({ from: 'user', text: button.title });
    scrollToShow(n);
    enqueue({ type: 'send', payload: button.payload, key: newIdempotencyKey() });
  }

  function isFullscreen() {
    return !!(window.matchMedia && window.matchMedia(FULLSCREEN_MQ).matches);
  }

  function updateModal() {
    // Full screen (phones, small windows): a modal dialog that keeps focus inside.
    // Otherwise a non-modal panel beside the page the person is reading.
    if (state.open && isFullscreen()) panel.setAttribute('aria-modal', 'true');
    else panel.removeAttribute('aria-modal');
  }

  function focusInitial() {
    var touch = window.matchMedia && window.matchMedia('(hover: none) and (pointer: coarse)').matches;
    // On touch screens do not pop up the keyboard over the greeting: focus the title instead.
    if (touch) title.focus(); else input.focus();
  }

  function open() {
    if (leaving) return;
    loadHelp();
    if (!state.open) {
      var active = document.activeElement;
      returnFocusTo = active && active !== host && active !== document.body ? active : null;
      state.open = true;
      panel.hidden = false;
      launcher.hidden = true;
      launcher.setAttribute('aria-expanded', 'true');
      updateModal();
      save();
      if (!state.id && !state.transcript.length && !queue.length) enqueue({ type: 'start' });
      else pump();
    }
    focusInitial();
  }

  function close() {
    if (!state.open) return;
    state.open = false;
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute('aria-expanded', 'false');
    updateModal();
    save();
    var target = returnFocusTo;
    returnFocusTo = null;
    if (target && target.isConnected && typeof target.focus === 'function') target.focus();
    else {
      launcher.classList.remove('k-away'); // a launcher that stepped aside cannot take focus
      launcher.focus();
    }
    scheduleLauncher();
  }

  // A button of the page's own with data-kestrel-open does what the launcher does. Where the floating
  // launcher would cover one (on phones, as the page scrolls under it), it steps aside until they no
  // longer meet, unless it has the keyboard focus.
  var launcherFrame = 0;
  var LAUNCHER_GAP = 4;

  function covers(a, b) {
    return a.left - LAUNCHER_GAP < b.right && b.left < a.right + LAUNCHER_GAP &&
      a.top - LAUNCHER_GAP < b.bottom && b.top < a.bottom + LAUNCHER_GAP;
  }

  function updateLauncher() {
    launcherFrame = 0;
    if (launcher.hidden) return;
    var box = launcher.getBoundingClientRect(); // still laid out while stepped aside (visibility only)
    var away = root.activeElement !== launcher &&
      Array.prototype.some.call(document.querySelectorAll('[data-kestrel-open]'), function (n) {
        return Array.prototype.some.call(n.getClientRects(), function (r) {
          return r.width > 0 && r.height > 0 && covers(box, r);
        });
      });
    launcher.classList.toggle('k-away', away);
  }

  function scheduleLauncher() {
    if (launcherFrame) return;
    launcherFrame = window.requestAnimationFrame ? window.requestAnimationFrame(updateLauncher)
      : setTimeout(updateLauncher, 16);
  }

  function wipeScreen() {
    while (log.firstChild) log.removeChild(log.firstChild);
    input.value = '';
    updateCount();
    hideError();
    setTyping(false);
  }

  function clearConversation() {
    var id = state.id;
    stopEverything();
    deleteOnServer(id, true);
    state.id = null;
    state.transcript = [];
    forget();
    wipeScreen();
    addEntry({ from: 'notice', text: strings.cleared });
    if (state.open) {
      enqueue({ type: 'start' });
      input.focus();
    }
  }

  // What blankPage() changed, so that a page restored from the back/forward cache can be put back.
  var blanked = null;

  // The exit site can take seconds to answer, and until it does this page (its title, its content) stays
  // on screen for anyone looking over a shoulder: hide it all at once, before navigating.
  function blankPage() {
    if (blanked) return;
    blanked = { title: document.title, hidden: [] };
    cover.hidden = false;
    var body = document.body;
    if (body) {
      Array.prototype.forEach.call(body.children, function (n) {
        if (n === host || !n.style) return;
        blanked.hidden.push([n, n.style.getPropertyValue('display'), n.style.getPropertyPriority('display')]);
        // CSSOM writes, unlike style attributes, are allowed under a strict style-src.
        n.style.setProperty('display', 'none', 'important');
      });
    }
    try { document.title = strings.leaving; } catch (e) { /* no <head>: nothing to hide */ }
    try { cover.focus({ preventScroll: true }); } catch (e) { /* ignore */ }
  }

  function unblankPage() {
    if (!blanked) return;
    blanked.hidden.forEach(function (saved) {
      if (saved[1]) saved[0].style.setProperty('display', saved[1], saved[2]);
      else saved[0].style.removeProperty('display');
    });
    try { document.title = blanked.title; } catch (e) { /* ignore */ }
    cover.hidden = true;
    blanked = null;
  }

  function leave() {
    if (leaving) return;
    leaving = true;
    try { blankPage(); } catch (e) { /* leaving matters more than hiding */ }
    var id = state.id;
    stopEverything();
    // 1. ask the server to delete the conversation; keepalive lets it outlive this page
    deleteOnServer(id, true);
    // 2. forget everything here
    state.id = null;
    state.transcript = [];
    forget();
    wipeScreen();
    panel.hidden = true;
    // 3. replace this page, so Back does not come back to it
    try { window.location.replace(exitUrl); } catch (e) { window.location.href = exitUrl; }
  }

  /* ------------------------------------------------------------------ events */

  launcher.addEventListener('click', open);
  launcher.addEventListener('blur', scheduleLauncher);
  // capture: scrolling inside any of the page's own scrolling boxes moves its buttons too
  window.addEventListener('scroll', scheduleLauncher, { capture: true, passive: true });
  window.addEventListener('resize', scheduleLauncher, { passive: true });
  window.addEventListener('load', scheduleLauncher);
  hideBtn.addEventListener('click', close);
  leaveBtn.addEventListener('click', leave);
  clearBtn.addEventListener('click', clearConversation);

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (sendText(input.value)) {
      input.value = '';
      updateCount();
    }
    input.focus();
  });

  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      if (typeof form.requestSubmit === 'function') form.requestSubmit();
      else form.dispatchEvent(new Event('submit', { cancelable: true }));
    }
  });

  function updateCount() {
    var left = MAX_CHARS - input.value.length;
    if (left <= 200) {
      count.hidden = false;
      count.textContent = t('charsLeft', { n: left });
    } else {
      count.hidden = true;
      count.textContent = '';
    }
  }
  input.addEventListener('input', updateCount);

  function focusables() {
    return Array.prototype.filter.call(
      panel.querySelectorAll('button, a[href], textarea, [tabindex="0"]'),
      function (n) { return !n.disabled && n.getClientRects().length > 0; }
    );
  }

  panel.addEventListener('keydown', function (e) {
    if (e.key !== 'Tab' || panel.getAttribute('aria-modal') !== 'true') return;
    var items = focusables();
    if (!items.length) return;
    var first = items[0];
    var lastItem = items[items.length - 1];
    var active = root.activeElement;
    var idx = items.indexOf(active);
    if (e.shiftKey && (active === first || idx === -1)) { e.preventDefault(); lastItem.focus(); }
    else if (!e.shiftKey && (active === lastItem || idx === -1)) { e.preventDefault(); first.focus(); }
  });

  function isEscape(e) {
    return e.key === 'Escape' || e.key === 'Esc';
  }

  var shiftPresses = 0;
  var shiftTimer = null;

  // True when this keydown completes the Shift-three-times exit. Any other key in between starts the count
  // again, so typing capitals never adds up to an exit.
  function shiftExitPressed(e) {
    if (!shiftExit) return false;
    if (e.key !== 'Shift' || e.ctrlKey || e.altKey || e.metaKey || e.isComposing) {
      shiftPresses = 0;
      return false;
    }
    if (e.repeat) return false; // holding Shift down is one press
    shiftPresses += 1;
    clearTimeout(shiftTimer);
    shiftTimer = setTimeout(function () { shiftPresses = 0; }, SHIFT_EXIT_WINDOW_MS);
    if (shiftPresses < SHIFT_EXIT_PRESSES) return false;
    shiftPresses = 0;
    return true;
  }

  // Capture phase on window, so a host page handler cannot swallow the exit keys.
  window.addEventListener('keydown', function (e) {
    if (leaving) {
      // The browser takes Escape as "Stop": a second press (people in a hurry press it again) would cancel
      // the navigation away and leave them on this page.
      if (isEscape(e)) {
        e.preventDefault();
        e.stopImmediatePropagation();
      }
      return;
    }
    if (shiftExitPressed(e)) {
      leave();
      return;
    }
    if (!isEscape(e) || e.isComposing || escapeMode === 'off') return;
    var inWidget = typeof e.composedPath === 'function' && e.composedPath().indexOf(host) !== -1;
    if (escapeMode === 'page' || inWidget) {
      e.preventDefault();
      e.stopImmediatePropagation();
      leave();
    }
  }, true);

  // The host page should not act on the Escape that started leaving either (e.g. by closing its own modal).
  window.addEventListener('keyup', function (e) {
    if (leaving && isEscape(e)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  // <button data-kestrel-open> anywhere on the page opens the chat.
  document.addEventListener('click', function (e) {
    var target = e.target && e.target.closest ? e.target.closest('[data-kestrel-open]') : null;
    if (target) {
      e.preventDefault();
      open();
    }
  });

  if (window.matchMedia) {
    var mq = window.matchMedia(FULLSCREEN_MQ);
    if (mq.addEventListener) mq.addEventListener('change', updateModal);
    else if (mq.addListener) mq.addListener(updateModal);
  }

  // If the page is restored from the back/forward cache after leaving, show the page again but nothing of
  // the chat.
  window.addEventListener('pageshow', function (e) {
    if (e.persisted && leaving) {
      leaving = false;
      unblankPage();
      state.open = false;
      panel.hidden = true;
      launcher.hidden = false;
      launcher.setAttribute('aria-expanded', 'false');
      scheduleLauncher();
    }
  });

  /* ------------------------------------------------------------------ start */

  function restore() {
    if (!persist) return false;
    var saved = storageGet();
    if (!saved || typeof saved !== 'object') return false;
    state.id = typeof saved.id === 'string' ? saved.id : null;
    state.transcript = Array.isArray(saved.transcript) ? saved.transcript.filter(function (e) {
      return e && (e.from === 'bot' || e.from === 'user' || e.from === 'notice') && typeof e.text === 'string';
    }).map(function (e) {
      return {
        from: e.from, text: e.text, stale: e.stale === true,
        buttons: Array.isArray(e.buttons) ? e.buttons.filter(function (b) {
          return b && typeof b.title === 'string';
        }).map(function (b) { return { title: b.title, payload: String(b.payload != null ? b.payload : b.title) }; }) : []
      };
    }) : [];
    state.transcript.forEach(renderEntry);
    return !!saved.open;
  }

  function mount() {
    var reopen = restore();
    (document.body || document.documentElement).appendChild(host);
    // the page's layout can change without a scroll (fonts, images, content added later)
    if (typeof ResizeObserver === 'function') new ResizeObserver(scheduleLauncher).observe(document.documentElement);
    scheduleLauncher();
    if (reopen || openOnLoad) {
      open();
      log.scrollTop = log.scrollHeight;
    }
  }

  window.KestrelWidget = {
    version: VERSION,
    open: open,
    close: close,
    leave: leave,
    clear: clearConversation
  };

  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
  loadHelp();
})();
