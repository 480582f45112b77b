/* Staffroom without a connection (the page's side; the service worker's is offline-sw.js).

   - Offline state: "You're offline" shows just above the composer while the browser says it is offline, or
     since a request failed to reach the server, until the connection is back.
   - Messages written offline wait on this device (localStorage, per person) and show under the conversation
     as "Waiting to send", with Cancel. Each gets its client_id once, when it is written (the composer's own
     when its send failed half-way): every attempt sends that same id, so however often a send is retried
     (after a timeout, a reconnect, a reload) the server posts it once (POST /api/v1/conversations/{id}/messages).
     They are sent in the order written when the connection returns (the online event, the live socket
     reconnecting, a page load, and every 15 s while any wait). Files are not kept: they can be sent online.
   - Forgetting (after asking, when messages still wait to be sent): signing out, reporting a lost device, the session ending elsewhere (live.js says
     staffroom:signed-out; a send answered 401) and any page shown to nobody signed in drop the kept pages and
     the waiting messages from this device.
   - The offline page lists the conversations kept on this device.
   No inline scripts or styles; every word comes from the page (#offline-text), so it is translated. */
(function () {
  "use strict";

  var body = document.body;
  if (!body) return;
  var PAGES = "staffroom-pages-";
  var OUTBOX = "staffroom.outbox.";

  // --- forgetting ---

  function forget() {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var name = localStorage.key(i);
        if (name && name.indexOf(OUTBOX) === 0) localStorage.removeItem(name);
      }
    } catch (e) { /* storage turned off: nothing was kept */ }
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "staffroom:forget" });
    }
    if (!window.caches) return Promise.resolve();
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf(PAGES) === 0; }).map(function (n) {
        return caches.delete(n);
      }));
    }).catch(function () {});
  }

  if (body.dataset.offlinePage === "on") {
    listKept();
    return;
  }
  if (body.dataset.signedIn !== "on") {
    forget(); // nobody is signed in here: nothing of the last person stays on this device
    return;
  }

  var text = document.getElementById("offline-text");
  if (!text) return;
  var words = text.dataset;
  var me = body.dataset.me || "";
  var storageKey = OUTBOX + me;
  var main = document.getElementById("main");
  var conversationId = main && main.dataset.conversationId ? Number(main.dataset.conversationId) : null;

  function say(key, values) {
    return (words[key] || key).replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] !== undefined ? String(values[name]) : "";
    });
  }

  function samePath(action, path) {
    try { return new URL(action, location.href).pathname === path; } catch (e) { return false; }
  }

  // Signing out or reporting a lost device from this page (the server's Clear-Site-Data does the same).
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement)) return;
    var action = form.getAttribute("action") || "";
    if (!samePath(action, words.signOutUrl) && !samePath(action, words.lostDeviceUrl)) return;
    var unsent = load().length;
    if (unsent && samePath(action, words.signOutUrl) && !window.confirm(say("unsentSignOut", { n: unsent }))) {
      e.preventDefault();
      e.stopImmediatePropagation();
      return;
    }
    forget();
  }, true);
  body.addEventListener("staffroom:signed-out", function () { forget(); });

  // --- the offline state ---

  var banner = document.getElementById("offline-banner");
  var toasts = document.getElementById("toasts");
  if (banner && toasts) toasts.insertBefore(banner, toasts.firstChild);
  var unreachable = false; // a request failed although the browser thinks it is online

  function isOffline() { return !navigator.onLine || unreachable; }

  function showState() {
    if (banner) banner.hidden = !isOffline();
    body.classList.toggle("is-offline", isOffline());
  }

  window.addEventListener("offline", showState);
  window.addEventListener("online", function () { unreachable = false; showState(); flush(); });
  body.addEventListener("staffroom:connected", function () { unreachable = false; showState(); flush(); });

  // --- the outbox ---

  function load() {
    try {
      var items = JSON.parse(localStorage.getItem(storageKey) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (e) { return []; }
  }

  function save(items) {
    try {
      if (items.length) localStorage.setItem(storageKey, JSON.stringify(items));
      else localStorage.removeItem(storageKey);
    } catch (e) { /* full or turned off: what is on screen still goes when it can */ }
  }

  function update(id, change) {
    var items = load();
    items.forEach(function (item) { if (item.id === id) change(item); });
    save(items);
  }

  function remove(id) {
    save(load().filter(function (item) { return item.id !== id; }));
    render();
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function composerForm() { return document.querySelector("form[data-composer]"); }

  function field(form, name) {
    var el = form.elements.namedItem(name);
    return el && "value" in el ? el.value : "";
  }

  function hasFiles(form) {
    return Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
      return input.files && input.files.length > 0;
    }) || !!form.querySelector("input[name=attachment_ids]");
  }

  function showAlert(message) {
    var box = document.getElementById("alerts");
    if (!box) return;
    var p = document.createElement("p");
    p.className = "alert";
    p.textContent = message;
    box.replaceChildren(p);
  }

  // Keep what the composer holds; `clientId` is the composer's own when a send of it may have left already.
  function queue(form, clientId) {
    var bodyText = field(form, "body");
    if (!bodyText.trim()) return false;
    if (hasFiles(form)) { showAlert(say("filesLater")); return false; }
    var items = load();
    var id = clientId || newId();
    if (!items.some(function (item) { return item.id === id; })) {
      var reply = Number(field(form, "reply_to")) || null;
      items.push({ id: id, conversationId: conversationId, body: bodyText, replyTo: reply, state: "waiting" });
      save(items);
    }
    var box = form.elements.namedItem("body");
    if (box) { box.value = ""; box.dispatchEvent(new Event("input", { bubbles: true })); }
    var hidden = form.elements.namedItem("client_id");
    if (hidden) hidden.value = newId(); // the next message is another message
    render();
    if (box) box.focus();
    return true;
  }

  // Offline: the composer's send stays on this device instead of failing.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-composer") || !isOffline()) return;
    if (e.submitter && e.submitter.name && e.submitter.name !== "confirmed") return; // e.g. removing a file
    e.preventDefault();
    e.stopImmediatePropagation(); // before htmx sees it: nothing goes to a server that cannot be reached
    queue(form, null);
  }, true);

  // Online as far as the browser knows, but the send did not reach the server (or its answer did not come
  // back). It may have arrived: it waits with the composer's own client_id, so sending it again posts it once.
  document.addEventListener("htmx:sendError", function (e) {
    var form = e.detail && e.detail.elt;
    unreachable = true;
    showState();
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-composer")) return;
    var path = (e.detail.requestConfig && e.detail.requestConfig.path) || "";
    if (path !== form.getAttribute("hx-post")) return; // e.g. removing a file, not sending
    if (queue(form, field(form, "client_id") || null)) e.stopPropagation(); // no "could not be reached" alert
  }, true);
  document.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail && e.detail.xhr && e.detail.xhr.status > 0 && unreachable) { unreachable = false; showState(); }
  });

  function render() {
    var list = document.getElementById("outbox");
    var section = document.getElementById("outbox-section");
    if (!list || !section || conversationId === null) return;
    var timeline = document.getElementById("messages");
    if (timeline && section.previousElementSibling !== timeline) timeline.insertAdjacentElement("afterend", section);
    var items = load().filter(function (item) { return item.conversationId === conversationId; });
    list.replaceChildren.apply(list, items.map(bubble));
    section.hidden = items.length === 0;
  }

  function button(label, ariaLabel, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "link-button";
    b.textContent = label;
    if (ariaLabel) b.setAttribute("aria-label", ariaLabel);
    b.addEventListener("click", onClick);
    return b;
  }

  function bubble(item) {
    var li = document.createElement("li");
    li.className = "message own pending" + (item.state === "failed" ? " pending-failed" : "");
    li.id = "pending-" + item.id;
    li.dataset.clientId = item.id;
    var meta = document.createElement("p");
    meta.className = "message-meta";
    var who = document.createElement("span");
    who.className = "author";
    who.textContent = say("you");
    meta.appendChild(who);
    var body = document.createElement("p");
    body.className = "message-body pending-body";
    body.textContent = item.body;
    var state = document.createElement("p");
    state.className = "pending-state";
    state.textContent = item.state === "failed" ? say("failed", { reason: item.error || say("failedUnknown") })
      : item.state === "sending" ? say("sending") : say("waiting");
    state.appendChild(document.createTextNode(" "));
    if (item.state === "failed") {
      state.appendChild(button(say("edit"), say("editLabel"), function () { edit(item.id); }));
      state.appendChild(document.createTextNode(" "));
    }
    state.appendChild(button(say("cancel"), say("cancelLabel"), function () { remove(item.id); }));
    li.append(meta, body, state);
    return li;
  }

  // A message the server would not take goes back into the message box, to change and send as usual.
  function edit(id) {
    var item = load().filter(function (i) { return i.id === id; })[0];
    var form = composerForm();
    if (!item || !form) return;
    var box = form.elements.namedItem("body");
    if (box) {
      box.value = box.value ? box.value + "\n" + item.body : item.body;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.focus();
    }
    remove(id);
  }

  // --- sending what waits ---

  var flushing = false;

  function csrfToken() {
    try { return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

  function post(item) {
    var controller = "AbortController" in window ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, 20000) : null;
    var data = { body: item.body, client_id: item.id };
    if (item.replyTo) data.reply_to = item.replyTo;
    return fetch(say("sendUrl", { id: item.conversationId }), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(data),
      signal: controller ? controller.signal : undefined
    }).finally(function () { if (timer) window.clearTimeout(timer); });
  }

  function flush() {
    if (flushing || !navigator.onLine) return;
    var next = load().filter(function (item) { return item.state !== "failed"; })[0];
    if (!next) return;
    flushing = true;
    update(next.id, function (item) { item.state = "sending"; });
    render();
    post(next).then(function (response) {
      if (response.status === 200 || response.status === 201) {
        return response.json().then(function (message) {
          unreachable = false;
          remove(next.id);
          if (next.conversationId === conversationId) {
            // live.js shows it as it shows any message sent from here (or replaces the one the socket brought).
            body.dispatchEvent(new CustomEvent("staffroom:message-sent", {
              detail: { conversationId: conversationId, messageId: message.id }
            }));
          }
          return true;
        });
      }
      if (response.status === 401) {
        // The session has ended (signed out elsewhere, a lost device reported): nothing stays here.
        return forget().then(function () {
          location.href = words.loginUrl + "?next=" + encodeURIComponent(location.pathname);
          return false;
        });
      }
      if (response.status === 429 || response.status >= 500) {
        update(next.id, function (item) { item.state = "waiting"; });
        return false; // try again later, with the same client_id
      }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        var reason = answer && answer.error && answer.error.message;
        update(next.id, function (item) { item.state = "failed"; item.error = reason || ""; });
        return true; // the next one may go
      });
    }, function () {
      // No answer (offline again, or it timed out): it may have arrived; it goes again with the same client_id.
      update(next.id, function (item) { item.state = "waiting"; });
      unreachable = true;
      return false;
    }).then(function (goOn) {
      flushing = false;
      render();
      showState();
      if (goOn) flush();
    });
  }

  window.setInterval(function () { if (load().length) flush(); }, 15000);
  window.addEventListener("storage", function (e) { if (e.key === storageKey) render(); }); // another tab

  // A reload mid-send leaves "sending": it is simply waiting again.
  save(load().map(function (item) { if (item.state === "sending") item.state = "waiting"; return item; }));
  showState();
  render();
  flush();

  // --- the offline page: the conversations kept on this device ---

  function listKept() {
    var section = document.getElementById("offline-kept");
    var list = document.getElementById("offline-conversations");
    if (!section || !list || !window.caches) return;
    caches.keys().then(function (names) {
      var name = names.filter(function (n) { return n.indexOf(PAGES) === 0; })[0];
      if (!name) return [];
      return caches.open(name).then(function (cache) {
        return cache.keys().then(function (requests) {
          return Promise.all(requests.reverse().map(function (request) {
            return cache.match(request).then(function (response) { return response ? response.text() : ""; })
              .then(function (html) {
                var path = new URL(request.url).pathname;
                var title = new DOMParser().parseFromString(html, "text/html").title || "";
                title = title.replace(/^\(\d+\)\s*/, "").replace(/\s*·\s*Staffroom\s*$/, "");
                return { path: path, title: path === "/" ? section.dataset.listTitle : title };
              });
          }));
        });
      });
    }).then(function (pages) {
      pages.sort(function (a, b) { return (a.path === "/" ? 0 : 1) - (b.path === "/" ? 0 : 1); });
      pages.forEach(function (page) {
        if (!page.title) return;
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = page.path;
        a.textContent = page.title;
        li.appendChild(a);
        list.appendChild(li);
      });
      section.hidden = list.children.length === 0;
    }).catch(function () {});
  }
})();
