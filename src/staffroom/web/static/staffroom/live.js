/* Staffroom live updates over the WebSocket at /ws/events.

   The session cookie signs the socket in; the server says {"type":"hello","seq":n}. Every event carries a
   `seq` that grows for this person. We keep the last one handled (in sessionStorage too) and, whenever we
   connect, first send {"type":"resume","after":lastSeq}: the server replays what we missed, so a page never
   has a gap. An event with a seq we have handled is ignored.

   What an event does on the page:
   - a message in the conversation on screen: fetch that message's server-rendered fragment and insert it
     (or replace the one already there, which also removes duplicates), then mark it read (page.js posts it);
   - anything in another conversation: reload the conversation list so unread badges are right;
   - acknowledgements: reload the announcement's "N of M acknowledged" block;
   - session revoked (or close code 4401): go to the sign-in page;
   - resync (away longer than events are kept): reload the page, unless something is being written. */
(function () {
  "use strict";

  var body = document.body;
  if (!body || body.dataset.live !== "on" || !("WebSocket" in window)) return;

  var me = Number(body.dataset.personId);
  var main = document.getElementById("main");
  var conversationId = main && main.dataset.conversationId ? Number(main.dataset.conversationId) : null;
  var conversationUrl = main ? main.dataset.conversationUrl : null;
  var appendLive = !!main && main.dataset.liveAppend === "true";
  var storageKey = "staffroom.lastSeq." + me;
  var words = (document.getElementById("live-text") || body).dataset;

  // The page was drawn at data-seq: replaying from there covers whatever happened while it loaded.
  var lastSeq = Number(body.dataset.seq);
  if (!Number.isFinite(lastSeq)) lastSeq = Number(sessionStorage.getItem(storageKey)) || 0;

  var socket = null;
  var attempt = 0;
  var reconnectTimer = null;
  var pingTimer = null;
  var leaving = false;

  // A translated sentence from #live-text, with {name} filled in.
  function say(key, values) {
    return (words[key] || key).replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] !== undefined ? String(values[name]) : "";
    });
  }

  function rememberSeq(seq) {
    lastSeq = seq;
    try { sessionStorage.setItem(storageKey, String(seq)); } catch (e) { /* private mode: memory is enough */ }
  }

  function socketUrl() {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + location.host + "/ws/events";
  }

  function showConnection(text) {
    var el = document.getElementById("connection");
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
  }

  function announce(text) {
    var el = document.getElementById("announcer");
    if (!el) return;
    el.textContent = "";
    // A fresh text node after a tick is what makes screen readers announce repeated messages.
    window.setTimeout(function () { el.textContent = text; }, 50);
  }

  function goToSignIn() {
    leaving = true;
    body.dispatchEvent(new CustomEvent("staffroom:signed-out")); // offline.js forgets this device's copies
    var login = body.dataset.loginUrl || "/accounts/login/";
    location.href = login + "?next=" + encodeURIComponent(location.pathname + location.search);
  }

  // --- connection ---

  function connect() {
    reconnectTimer = null;
    try {
      socket = new WebSocket(socketUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    socket.addEventListener("open", function () {
      send({ type: "resume", after: lastSeq });
      window.clearInterval(pingTimer);
      pingTimer = window.setInterval(function () { send({ type: "ping" }); }, 60000);
    });
    socket.addEventListener("message", function (frame) {
      var event;
      try { event = JSON.parse(frame.data); } catch (e) { return; }
      if (event && typeof event === "object") receive(event);
    });
    socket.addEventListener("close", function (closed) {
      window.clearInterval(pingTimer);
      socket = null;
      if (leaving) return;
      if (closed.code === 4401) { goToSignIn(); return; }
      if (closed.code === 4403) { showConnection(say("offline")); return; }
      scheduleReconnect();
    });
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function scheduleReconnect() {
    if (reconnectTimer !== null || leaving) return;
    attempt += 1;
    if (attempt > 2) showConnection(say("reconnecting"));
    var delay = Math.min(30000, 1000 * Math.pow(2, attempt - 1));
    delay = delay / 2 + Math.random() * delay / 2;
    reconnectTimer = window.setTimeout(connect, delay);
  }

  function reconnectNow() {
    if (socket || leaving) return;
    if (reconnectTimer !== null) window.clearTimeout(reconnectTimer);
    reconnectTimer = null;
    connect();
  }

  // typing.js says "I am writing here" through this socket (dropped while it is not open).
  body.addEventListener("staffroom:send-typing", function (e) { send({ type: "typing", conversation_id: e.detail }); });
  window.addEventListener("online", reconnectNow);
  window.addEventListener("pageshow", function (e) {
    if (!e.persisted) return; // restored from the back/forward cache: the socket was closed on the way out
    leaving = false;
    reconnectNow();
  });
  window.addEventListener("pagehide", function () { leaving = true; if (socket) socket.close(1000); });

  // --- events ---

  function receive(event) {
    if (event.type === "hello") {
      attempt = 0;
      showConnection("");
      body.dispatchEvent(new CustomEvent("staffroom:connected")); // offline.js sends what waited
      // The resume frame we sent on open replays from lastSeq; taking hello's seq here would skip that replay.
      return;
    }
    if (event.type === "session.revoked") { goToSignIn(); return; }
    if (event.type === "resync") {
      // We were away longer than the server keeps events: what is on screen may be stale.
      rememberSeq(Number(event.seq) || lastSeq);
      resyncPage();
      return;
    }
    // Not part of the stream (no seq): typing.js shows it.
    if (event.type === "typing") { body.dispatchEvent(new CustomEvent("staffroom:typing", { detail: event })); return; }
    if (event.type === "pong" || event.type === "error" || typeof event.seq !== "number") return;
    // The server sends each socket its events once and in order; seq grows, though not by one (it is the
    // organisation's stream position). One we have handled, e.g. replayed twice across a reconnect, is skipped.
    if (event.seq <= lastSeq) return;
    rememberSeq(event.seq);
    handle(event);
  }

  function handle(event) {
    body.dispatchEvent(new CustomEvent("staffroom:event", { detail: event })); // for other scripts (fastpaths.js)
    switch (event.type) {
      case "message.new":
      case "message.edited":
      case "message.deleted":
        onMessage(event);
        break;
      case "membership.added":
      case "conversation.updated":
        refreshSidebar();
        if (event.type === "conversation.updated" && event.conversation && event.conversation.id === conversationId) {
          var title = document.getElementById("conversation-title");
          if (title && event.conversation.title) title.textContent = event.conversation.title;
        }
        break;
      case "membership.removed":
        if (event.person_id === me && event.conversation_id === conversationId) {
          leaving = true;
          location.href = "/";
          return;
        }
        refreshSidebar();
        break;
      case "receipt.updated":
        if (event.conversation_id !== conversationId) {
          if (event.person_id === me) refreshSidebar(); // read in another tab
        } else if (event.person_id !== me) {
          refreshReceipts();
        }
        break;
      case "acknowledgement.updated":
        if (event.conversation_id === conversationId) {
          refreshFragment(document.getElementById("ack-status-" + event.message_id));
          if (event.person_id === me) refreshMessage(event.message_id, false, false);
        }
        break;
      case "announcement.reminder":
        var reminder = say("reminder", { from: event.from || "", title: event.title || "" });
        announce(reminder);
        showAlert(reminder, event.conversation_id);
        refreshSidebar();
        break;
      case "concern.raised":
        // Only the school's safeguarding leads receive it: a link to the concern, never what was written.
        var concern = say("concern");
        announce(concern);
        showAlert(concern, null, "/safeguarding/" + Number(event.concern_id) + "/");
        break;
      default:
        break;
    }
  }

  function onMessage(event) {
    var message = event.message || {};
    if (event.type === "message.new") {
      // device.js counts it in the tab's title while the tab is hidden, and plays the sound if it is on.
      body.dispatchEvent(new CustomEvent("staffroom:message-arrived", { detail: {
        here: message.conversation_id === conversationId,
        mine: !!(message.author && message.author.id === me)
      } }));
    }
    if (message.conversation_id !== conversationId) {
      refreshSidebar();
      return;
    }
    var isNew = event.type === "message.new";
    var mine = message.author && message.author.id === me;
    refreshMessage(message.id, isNew, isNew && mine).then(function (shown) {
      if (!shown || !isNew || mine) return;
      // Who, not what: the message itself is on the page, a keystroke away, and saying it twice would
      // put the same words in two places.
      announce(say("newMessage", { name: message.author ? message.author.name : "" }));
      markRead(message.id);
    });
  }

  // --- the page ---

  function fetchHtml(url) {
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } }).then(function (r) {
      if (r.status === 401) { goToSignIn(); return null; }
      if (r.status === 404) return "";
      return r.ok ? r.text() : null;
    });
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function process(el) {
    if (window.htmx) window.htmx.process(el);
  }

  // page.js keeps keyboard focus when something is replaced: note where it is, then put it back after.
  function focusPlan(root) {
    return window.staffroom ? window.staffroom.focusPlan(root) : null;
  }

  function restoreFocus(ids) {
    if (window.staffroom) window.staffroom.restoreFocus(ids);
  }

  // Insert or replace one message. Resolves true when the message is on the page afterwards.
  function refreshMessage(id, isNew, withReceipt) {
    if (!conversationUrl) return Promise.resolve(false);
    var existing = document.getElementById("message-" + id);
    if (existing && existing.dataset.editing) return Promise.resolve(true); // do not lose someone's edit
    if (!existing && !isNew) return Promise.resolve(false);
    if (!existing && !appendLive) return Promise.resolve(false);
    var receipt = withReceipt || !!(existing && existing.querySelector(".receipt"));
    var url = conversationUrl + "m/" + id + "/" + (receipt ? "?receipt=1" : "");
    return fetchHtml(url).then(function (html) {
      if (html === null) return false;
      var current = document.getElementById("message-" + id); // check again: the other path may have won
      if (html === "") { if (current) current.remove(); return false; }
      var el = parse(html);
      if (!el) return false;
      var focus = null;
      if (current) {
        if (current.dataset.editing) return true;
        if (current.querySelector(".htmx-request")) {
          // An action on this message is on its way, and htmx puts its answer in place of the element the action
          // started from: replacing that element now would drop the answer (the edit box would never open).
          window.setTimeout(function () { refreshMessage(id, false, withReceipt); }, 300);
          return true;
        }
        // Someone else reacted or edited while this person was in the message: they stay where they were.
        var openMenu = current.querySelector("details.message-actions[open]");
        focus = focusPlan(current);
        keepDetailsOpen(current, el);
        current.replaceWith(el);
        if (openMenu) { var menu = el.querySelector("details.message-actions"); if (menu) menu.open = true; }
      } else {
        var nearBottom = isNearBottom();
        insertInOrder(el, id);
        if (withReceipt) dropOlderReceipts(id);
        if (nearBottom) scrollToBottom();
        else if (isNew && window.staffroom && window.staffroom.offerJump) window.staffroom.offerJump();
      }
      process(el);
      restoreFocus(focus);
      return true;
    });
  }

  // Someone reading the list of who has acknowledged keeps it open while it updates.
  function keepDetailsOpen(from, to) {
    if (!from.querySelector("details.ack-details[open]") && !from.matches("details.ack-details[open]")) return;
    var details = to.querySelector("details.ack-details");
    if (details) details.open = true;
  }

  function insertInOrder(el, id) {
    var list = document.getElementById("messages");
    if (!list) return;
    var empty = list.querySelector(".messages-empty");
    if (empty) empty.remove();
    var items = list.children;
    for (var i = 0; i < items.length; i++) {
      var other = Number(items[i].dataset.messageId);
      if (other > id) { list.insertBefore(el, items[i]); return; }
    }
    list.appendChild(el);
  }

  function dropOlderReceipts(id) {
    document.querySelectorAll(".receipt[data-message-id]").forEach(function (r) {
      if (Number(r.dataset.messageId) !== id) r.remove();
    });
  }

  function isNearBottom() {
    return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 200;
  }

  function scrollToBottom() {
    // The composer is sticky (always "in view"), so scroll the page itself to its end (see page.js).
    window.scrollTo(0, document.documentElement.scrollHeight);
    var jump = document.getElementById("jump-newest");
    if (jump) jump.hidden = true;
  }

  // Reload an element that names its own fragment URL in data-refresh-url.
  function refreshFragment(el) {
    if (!el || !el.dataset.refreshUrl) return;
    fetchHtml(el.dataset.refreshUrl).then(function (html) {
      if (!html) return;
      var fresh = parse(html);
      var current = document.getElementById(el.id);
      if (!fresh || !current) return;
      if (current.querySelector(".htmx-request")) {
        window.setTimeout(function () { refreshFragment(current); }, 300); // as in refreshMessage
        return;
      }
      var focus = focusPlan(current);
      keepDetailsOpen(current, fresh);
      current.replaceWith(fresh);
      process(fresh);
      restoreFocus(focus);
    });
  }

  function refreshReceipts() {
    document.querySelectorAll(".receipt[data-refresh-url]").forEach(refreshFragment);
  }

  var sidebarTimer = null;
  function refreshSidebar() {
    if (sidebarTimer !== null) return;
    sidebarTimer = window.setTimeout(function () {
      sidebarTimer = null;
      var panel = document.getElementById("sidebar-panel");
      var url = body.dataset.sidebarUrl;
      if (!panel || !url) return;
      fetchHtml(url + (conversationId ? "?current=" + conversationId : "")).then(function (html) {
        if (!html) return;
        // The same link again, or if it has gone, the list's own button (phones) or its first link.
        var focus = focusPlan(panel);
        if (focus) focus.push("sidebar-summary", "sidebar-start");
        panel.innerHTML = html;
        process(panel);
        restoreFocus(focus);
        body.dispatchEvent(new CustomEvent("staffroom:sidebar-updated"));
      });
    }, 250);
  }

  // Reload the page, unless that would throw away something being written; then say so instead.
  function resyncPage() {
    var composer = document.getElementById("composer-body");
    var writing = (composer && composer.value.trim()) || document.querySelector("[data-editing]");
    if (!writing) {
      leaving = true;
      location.reload();
      return;
    }
    refreshSidebar();
    showAlert(say("resync"), null);
  }

  // page.js posts the read position (now, or when the tab is next visible).
  function markRead(id) {
    if (window.staffroom && window.staffroom.markRead) window.staffroom.markRead(id);
  }

  function showAlert(text, targetConversation, href) {
    var box = document.getElementById("alerts");
    if (!box) return;
    var p = document.createElement("p");
    p.className = "alert";
    if (href || (targetConversation && targetConversation !== conversationId)) {
      var a = document.createElement("a");
      a.href = href || "/c/" + targetConversation + "/";
      a.textContent = text;
      p.appendChild(a);
    } else {
      p.textContent = text;
    }
    box.replaceChildren(p);
  }

  // The composer's answer names the message it sent: show it the same way as one from the socket.
  body.addEventListener("staffroom:message-sent", function (e) {
    var detail = e.detail || {};
    if (detail.conversationId !== conversationId) return;
    refreshMessage(detail.messageId, true, true).then(function (shown) { if (shown) scrollToBottom(); });
  });

  // An htmx request that failed (not a form error, which comes back as 422 and is shown in place). When the
  // server answered with its own alert (e.g. how long to wait after going too fast), that is what we show.
  body.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail ? e.detail.xhr : null;
    var status = xhr ? xhr.status : 0;
    if (status === 401) { goToSignIn(); return; }
    var told = xhr ? serverAlert(xhr.responseText) : "";
    showAlert(told || say(status === 404 ? "gone" : status === 429 ? "tooMany" : "failed"), null);
  });

  function serverAlert(html) {
    var el = html ? parse(html) : null;
    return el && el.classList.contains("alert") ? el.textContent.trim() : "";
  }
  body.addEventListener("htmx:sendError", function () {
    showAlert(say("unreachable"), null);
  });

  connect();
})();
