/*! LiveChat loader: launcher in a Shadow DOM; the chat iframe loads on first click.
 * Frame->loader lc:ready|lc:close|lc:unread{count}; loader->frame lc:shown{shown}. */
(function () {
  "use strict";
  var me = document.currentScript, w = window, old = w.LiveChat;
  if (!me || (old && old.v)) return;
  var origin = new URL(me.src, location.href).origin;
  var key = me.getAttribute("data-site-key") || "";
  var stored = "livechat:open:" + key;
  var isOpen = false, frame;

  var host = document.createElement("live-chat");
  host.setAttribute("style", "all:initial!important;display:block!important");
  var root = host.attachShadow({ mode: "open" });
  var icon = function (c, d) {
    return '<svg class="' + c + '" viewBox="0 0 24 24" aria-hidden="true"><path d="' + d + '"/></svg>';
  };
  root.innerHTML =
    "<style>" +
    ":host{all:initial}[hidden]{display:none!important}" +
    ".b,.f{position:fixed;right:20px;z-index:2147483647;box-shadow:0 6px 24px rgba(0,0,0,.25)}" +
    ".b{bottom:20px;width:56px;height:56px;padding:0;border:0;border-radius:50%;background:#2563eb;color:#fff;cursor:pointer;display:grid;place-items:center}" +
    ".b:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}" +
    "svg{width:28px;height:28px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;stroke-linejoin:round}" +
    ".x,.o .c{display:none}.o .x{display:block}" +
    ".n{position:absolute;top:-4px;right:-4px;min-width:8px;padding:0 6px;border-radius:10px;background:#dc2626;font:700 12px/20px system-ui,sans-serif}" +
    ".f{bottom:88px;width:370px;height:560px;max-width:calc(100vw - 40px);max-height:calc(100vh - 108px);border-radius:14px;overflow:hidden;background:#fff}" +
    "iframe{display:block;width:100%;height:100%;border:0}" +
    "@media (max-width:480px){.f{inset:0;width:auto;height:auto;max-width:none;max-height:none;border-radius:0}.o .b{display:none}}" +
    "</style><div><div class=f hidden></div>" +
    '<button class=b type=button aria-label="Open chat" aria-expanded=false aria-describedby=d>' +
    icon("c", "M21 12a8 8 0 0 1-11.8 7L4 20l1.1-4.8A8 8 0 1 1 21 12z") +
    icon("x", "M6 6l12 12M18 6 6 18") +
    "<span class=n aria-hidden=true hidden></span></button><span id=d hidden></span></div>";
  var wrap = root.firstChild.nextSibling, box = wrap.firstChild, button = box.nextSibling;
  var badge = button.lastChild, desc = wrap.lastChild;

  function remember(v) {
    try { sessionStorage.setItem(stored, v); } catch (e) { /* refused */ }
  }
  function tell() {
    if (frame && frame.contentWindow) frame.contentWindow.postMessage({ type: "lc:shown", shown: isOpen }, origin);
  }
  function load() {
    if (frame) return;
    frame = document.createElement("iframe");
    frame.title = "Chat";
    frame.src = origin + "/widget/frame.html#site=" + encodeURIComponent(key);
    box.appendChild(frame);
  }
  function show(open, focus) {
    var inFrame = frame && root.activeElement === frame;
    isOpen = open;
    if (open) load();
    remember(open ? "1" : "0");
    box.hidden = !open;
    wrap.className = open ? "o" : "";
    button.setAttribute("aria-label", open ? "Close chat" : "Open chat");
    button.setAttribute("aria-expanded", open);
    if (open) unread(0);
    tell();
    if (open && focus) frame.focus();
    if (!open && inFrame) button.focus();
  }
  function unread(n) {
    n = isOpen ? 0 : Math.max(0, n | 0);
    badge.textContent = n > 9 ? "9+" : n;
    badge.hidden = !n;
    desc.textContent = n ? n + " unread" : "";
  }

  button.onclick = function () { show(!isOpen, true); };
  w.addEventListener("message", function (e) {
    var d = e.data;
    if (!frame || e.source !== frame.contentWindow || e.origin !== origin || !d) return;
    if (d.type === "lc:close") show(false);
    else if (d.type === "lc:unread") unread(d.count);
    else if (d.type === "lc:ready") tell();
  });

  var api = (w.LiveChat = {
    v: 1,
    open: function () { show(true, true); },
    close: function () { if (frame) show(false); }
  });

  function mount() {
    document.body.appendChild(host);
    var was;
    try { was = sessionStorage.getItem(stored); } catch (e) { /* refused */ }
    // Opened earlier in this tab: restore it (hidden frames keep the badge).
    if (was === "1") show(true);
    else if (was === "0") load();
    ((old && old.q) || []).forEach(function (m) { if (typeof api[m] == "function") api[m](); });
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
