/*! LiveChat loader: the page API, and a launcher in a Shadow DOM; the chat's
 * iframe loads on first use. Messages with the frame: docs/protocol.md. */
(function () {
  "use strict";
  var me = document.currentScript, w = window, old = w.LiveChat;
  if (!me || (old && old.v)) return;
  var origin = new URL(me.src, location.href).origin;
  var key = me.getAttribute("data-site-key") || "";
  var stored = "livechat:open:" + key;
  var EVENTS = "ready opened closed chatStarted chatEnded agentJoined unreadChanged".split(" ");

  // What the page asked for, kept while nothing is drawn yet.
  var isOpen = false, hidden = false, count = 0, ringing = false, drawn = false, refused = false;
  var consent = false, asked = false, left = false, frame, frameReady = false, resetOnLoad = false, focusOnReady;
  var config = { user: null, fields: {}, department: null, language: null };
  var listeners = {};
  var host, root, wrap, box, button, badge, desc;

  function emit(name, data) {
    (listeners[name] || []).slice().forEach(function (fn) {
      try { fn(data); } catch (e) { setTimeout(function () { throw e; }); }
    });
  }
  function spanish() {
    return /^es\b/i.test(config.language || navigator.language || "");
  }
  // Only once the frame said lc:ready: before, its window is not the chat's yet.
  function post(message) {
    if (frameReady && frame.contentWindow) frame.contentWindow.postMessage(message, origin);
  }
  function sendConfig() {
    post({ type: "lc:config", user: config.user, fields: config.fields,
      department: config.department, language: config.language });
  }
  // Storage only once the visitor took the chat in hand (privacy).
  function remember() {
    if (!consent) return;
    try { sessionStorage.setItem(stored, isOpen ? "1" : "0"); } catch (e) { /* refused */ }
  }
  function load() {
    if (frame || !drawn) return;
    frame = document.createElement("iframe");
    frame.title = "Chat";
    // Calls: the chat's origin is not the page's, so the page delegates the
    // microphone and camera (asked for only when the visitor accepts a call)
    // and sound (the ring) to the frame.
    frame.allow = "microphone; camera; autoplay";
    // The fragment repeats the key for frames that read it from there.
    frame.src = origin + "/widget/frame.html?site=" + encodeURIComponent(key) +
      (resetOnLoad ? "&reset=1" : "") + "#site=" + encodeURIComponent(key);
    box.appendChild(frame);
  }
  function render(focus) {
    if (!drawn) return;
    var visible = isOpen && !hidden, inFrame = frame && root.activeElement === frame;
    if (isOpen) load();
    wrap.hidden = hidden;
    box.hidden = !visible;
    wrap.className = (isOpen ? "o " : "") + (left ? "l" : "");
    button.setAttribute("aria-label", spanish() ? (isOpen ? "Cerrar chat" : "Abrir chat")
      : isOpen ? "Close chat" : "Open chat");
    button.setAttribute("aria-expanded", isOpen);
    if (visible) unread(0);
    else mark();
    post({ type: "lc:shown", shown: visible });
    // A frame still loading takes the focus again once it listens.
    if (visible && focus) {
      // Focused while still loading, the frame's new document did not get it.
      if (inFrame) frame.blur();
      frame.focus();
      focusOnReady = !frameReady;
    }
    if (!visible && inFrame && !hidden) button.focus();
  }
  function setOpen(open, focus) {
    if (!drawn) asked = true;
    if (refused || open === isOpen) return render(focus);
    isOpen = open;
    remember();
    render(focus);
    if (drawn) emit(open ? "opened" : "closed");
  }
  function unread(n) {
    n = isOpen && !hidden ? 0 : Math.max(0, n | 0);
    var changed = n !== count;
    count = n;
    mark();
    if (changed) emit("unreadChanged", n);
  }
  // The badge: a call ringing while the chat is closed, else the unread count.
  function mark() {
    if (!drawn) return;
    var ring = ringing && !(isOpen && !hidden), es = spanish();
    badge.textContent = ring ? "\u260E" : count > 9 ? "9+" : count;
    badge.hidden = !count && !ring;
    desc.textContent = (ring ? (es ? "Llamada entrante. " : "Incoming call. ") : "") +
      (count ? count + (es ? " sin leer" : " unread") : "");
  }

  function draw(theme) {
    var color = /^#[0-9a-f]{3,8}$/i.test(theme.color) ? theme.color : "#2563eb";
    left = theme.position === "left";
    host = document.createElement("live-chat");
    host.setAttribute("style", "all:initial!important;display:block!important");
    root = host.attachShadow({ mode: "open" });
    var icon = function (c, d) {
      return '<svg class="' + c + '" viewBox="0 0 24 24" aria-hidden="true"><path d="' + d + '"/></svg>';
    };
    root.innerHTML =
      "<style>" +
      ":host{all:initial}[hidden]{display:none!important}" +
      ".b,.f{position:fixed;right:20px;z-index:2147483647;box-shadow:0 6px 24px rgba(0,0,0,.25)}" +
      ".l .b,.l .f{right:auto;left:20px}" +
      ".b{bottom:20px;width:56px;height:56px;padding:0;border:0;border-radius:50%;background:" + color +
      ";color:#fff;cursor:pointer;display:grid;place-items:center}" +
      ".b:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}" +
      "svg{width:28px;height:28px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}" +
      ".x,.o .c{display:none}.o .x{display:block}" +
      ".n{position:absolute;top:-4px;right:-4px;min-width:8px;padding:0 6px;border-radius:10px;background:#dc2626;font:700 12px/20px system-ui,sans-serif}" +
      ".f{bottom:88px;width:370px;height:560px;max-width:calc(100vw - 40px);max-height:calc(100vh - 108px);border-radius:14px;overflow:hidden;background:#fff}" +
      "iframe{all:initial;display:block;width:100%;height:100%;border:0}" +
      "@media (max-width:480px){.f{inset:0;width:auto;height:auto;max-width:none;max-height:none;border-radius:0}.o .b{display:none}}" +
      "</style><div><div class=f hidden></div>" +
      "<button class=b type=button aria-expanded=false aria-describedby=d>" +
      icon("c", "M21 12a8 8 0 0 1-11.8 7L4 20l1.1-4.8A8 8 0 1 1 21 12z") +
      icon("x", "M6 6l12 12M18 6 6 18") +
      "<span class=n aria-hidden=true hidden></span></button><span id=d hidden></span></div>";
    wrap = root.firstChild.nextSibling;
    box = wrap.firstChild;
    button = box.nextSibling;
    badge = button.lastChild;
    desc = wrap.lastChild;
    button.onclick = function () {
      consent = true;
      setOpen(!isOpen, true);
    };
    document.body.appendChild(host);
    drawn = true;
    var was;
    try { was = sessionStorage.getItem(stored); } catch (e) { /* refused */ }
    // Opened earlier in this tab: restore it (a hidden frame keeps the badge).
    if (was) consent = true;
    if (was === "1" && !asked) isOpen = true;
    render(false);
    if (was === "0" || resetOnLoad) load();
    emit("ready");
    if (isOpen) emit("opened");
  }

  w.addEventListener("message", function (e) {
    var d = e.data;
    if (!frame || e.source !== frame.contentWindow || e.origin !== origin || !d) return;
    if (d.type === "lc:ready") {
      frameReady = true;
      render(focusOnReady && root.activeElement === frame);
      sendConfig();
    } else if (d.type === "lc:close" || d.type === "lc:popout") setOpen(false);
    else if (d.type === "lc:unread") unread(d.count);
    else if (d.type === "lc:ringing") {
      ringing = !!d.ringing;
      mark();
    }
    else if (d.type === "lc:interacted") {
      consent = true;
      remember();
    } else if (d.type === "lc:event" && /^(chatStarted|chatEnded|agentJoined)$/.test(d.name)) emit(d.name, d.data);
  });

  function set(field) {
    return function (value) {
      config[field] = value == null ? (field === "fields" ? {} : null) : value;
      if (field === "language") render(false);
      sendConfig();
    };
  }
  var api = {
    v: 2,
    open: function () { setOpen(true, true); },
    close: function () { setOpen(false); },
    show: function () { hidden = false; render(false); },
    hide: function () { hidden = true; render(false); },
    setUser: set("user"),
    setFields: set("fields"),
    setDepartment: set("department"),
    setLanguage: set("language"),
    reset: function () {
      consent = false;
      try { sessionStorage.removeItem(stored); } catch (e) { /* refused */ }
      unread(0);
      if (frame) post({ type: "lc:reset" });
      else {
        resetOnLoad = true;
        load();
      }
    },
    on: function (name, fn) {
      if (EVENTS.indexOf(name) < 0 || typeof fn != "function") return;
      (listeners[name] = listeners[name] || []).push(fn);
      if (name === "ready" && drawn) fn();
    },
    off: function (name, fn) {
      var list = listeners[name] || [], i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    }
  };
  var LiveChat = (w.LiveChat = function (name) {
    var f = api[name];
    if (typeof f == "function") return f.apply(api, [].slice.call(arguments, 1));
    if (w.console) console.warn("LiveChat: unknown method " + name);
  });
  for (var m in api) LiveChat[m] = api[m];
  ((old && old.q) || []).forEach(function (args) { LiveChat.apply(null, args); });

  function start() {
    fetch(origin + "/api/v1/visitor/site?site_key=" + encodeURIComponent(key))
      .then(function (r) {
        return r.json().then(function (body) {
          if (r.ok) return body.theme || {};
          if (r.status === 403 && body.error && body.error.code === "origin_not_allowed") throw body.error;
          return {};
        }, function () { return {}; });
      })
      .then(draw, function (e) {
        if (e && e.code) {
          refused = true;
          console.error("LiveChat: " + e.message);
        } else draw({});
      });
  }
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
