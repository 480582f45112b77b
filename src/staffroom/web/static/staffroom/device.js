/* Staffroom on this device: the installable app's service worker, notifications, the unread count in the tab's
   title and on the app's icon, and the optional sound.

   - Registers /sw.js (scope /) on every page.
   - Notifications: the profile page's "This device" controls turn them on (asking the browser's permission, then
     subscribing with the server's VAPID key and sending the subscription to /api/v1/push/subscriptions) and
     off. Once on, every page load sends the subscription again (the same endpoint replaces itself), so a key
     change or a new session is picked up without asking.
   - Unread: the conversation list says how many messages are unread (data-unread-total); messages that arrive in
     the open conversation while the tab is hidden count too, until it is seen. Shown as "(3) ..." in the title
     and with navigator.setAppBadge where the browser has it.
   - Sound: a short chime for a new message from someone else when the person turned sound on (data-sound).
   No inline scripts: the Content-Security-Policy allows only files from this site. */
(function () {
  "use strict";

  var body = document.body;
  if (!body) return;
  var canPush = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  // Per person: on a shared computer, one person turning notifications on does not turn them on for the next.
  var deviceKey = "staffroom.pushDevice." + (body.dataset.me || "");

  // --- the service worker ---

  var registration = null;
  if ("serviceWorker" in navigator && body.dataset.serviceWorker) {
    registration = navigator.serviceWorker.register(body.dataset.serviceWorker, { scope: "/" }).catch(function () {
      return null; // e.g. a private window that allows none: the site works without it
    });
  }

  function csrfToken() {
    try { return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

  function api(method, url, data) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: data === undefined ? undefined : JSON.stringify(data)
    }).then(function (r) {
      if (r.status === 204) return {};
      return r.json().then(function (json) {
        if (!r.ok) throw new Error((json && json.error && json.error.message) || String(r.status));
        return json;
      });
    });
  }

  function fromBase64Url(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sameKey(subscription, key) {
    var current = subscription.options && subscription.options.applicationServerKey;
    if (!current) return true;
    var a = new Uint8Array(current);
    if (a.length !== key.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== key[i]) return false;
    return true;
  }

  // Subscribe this device (asking permission if `ask`), and tell the server. Resolves the stored device.
  function subscribe(ask) {
    if (!canPush || !registration) return Promise.reject(new Error("unsupported"));
    var permission = ask ? Notification.requestPermission() : Promise.resolve(Notification.permission);
    return Promise.resolve(permission).then(function (answer) {
      if (answer !== "granted") throw new Error("denied");
      return Promise.all([registration.then(function () { return navigator.serviceWorker.ready; }),
                          api("GET", body.dataset.pushKeyUrl)]);
    }).then(function (both) {
      var worker = both[0];
      var key = fromBase64Url(both[1].public_key);
      return worker.pushManager.getSubscription().then(function (existing) {
        if (existing && sameKey(existing, key)) return existing;
        var fresh = function () {
          return worker.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
        };
        return existing ? existing.unsubscribe().then(fresh) : fresh();
      });
    }).then(function (subscription) {
      var json = subscription.toJSON();
      return api("POST", body.dataset.pushUrl, { endpoint: json.endpoint, keys: json.keys }).then(function (device) {
        try { localStorage.setItem(deviceKey, String(device.id)); } catch (e) { /* private mode */ }
        return device;
      });
    });
  }

  function unsubscribe() {
    var id = null;
    try { id = localStorage.getItem(deviceKey); localStorage.removeItem(deviceKey); } catch (e) { /* */ }
    var server = id ? api("DELETE", body.dataset.pushUrl + "/" + id).catch(function () { return {}; }) : Promise.resolve({});
    var local = registration ? registration.then(function () { return navigator.serviceWorker.ready; }).then(function (worker) {
      return worker.pushManager.getSubscription();
    }).then(function (s) { return s ? s.unsubscribe() : false; }) : Promise.resolve(false);
    return Promise.all([server, local]);
  }

  function thisDeviceIsOn() {
    try { return !!localStorage.getItem(deviceKey); } catch (e) { return false; }
  }

  // Keep the server's copy current (a new session, a new key): quietly, never asking.
  if (body.dataset.signedIn === "on" && canPush && thisDeviceIsOn() && Notification.permission === "granted") {
    subscribe(false).catch(function () { /* tried again on the next page */ });
  }

  // --- the profile page's "This device" controls ---

  var panel = document.getElementById("this-device");
  if (panel) {
    var status = document.getElementById("this-device-status");
    var on = document.getElementById("this-device-on");
    var off = document.getElementById("this-device-off");
    var words = panel.dataset;
    var show = function (text, enabled) {
      if (status) status.textContent = text;
      if (on) on.hidden = enabled;
      if (off) off.hidden = !enabled;
    };
    if (!canPush) {
      show(words.unsupported, false);
      if (on) on.hidden = true;
    } else if (Notification.permission === "denied") {
      show(words.blocked, false);
      if (on) on.hidden = true;
    } else {
      show(thisDeviceIsOn() ? words.isOn : words.isOff, thisDeviceIsOn());
    }
    if (on) on.addEventListener("click", function () {
      on.disabled = true;
      subscribe(true).then(function () {
        show(words.isOn, true);
        location.reload(); // the device list below now has this one
      }).catch(function (error) {
        show(error.message === "denied" ? words.blocked : words.failed + " " + error.message, false);
      }).then(function () { on.disabled = false; });
    });
    if (off) off.addEventListener("click", function () {
      off.disabled = true;
      unsubscribe().then(function () { show(words.isOff, false); location.reload(); })
        .then(function () { off.disabled = false; });
    });
  }

  // --- unread in the title and on the app icon ---

  var baseTitle = document.title;
  var arrivedHidden = 0;

  function listed() {
    var summary = document.getElementById("sidebar-summary");
    return summary ? Number(summary.dataset.unreadTotal) || 0 : 0;
  }

  function showUnread() {
    var count = listed() + arrivedHidden;
    document.title = count > 0 ? "(" + count + ") " + baseTitle : baseTitle;
    if ("setAppBadge" in navigator) {
      var done = count > 0 ? navigator.setAppBadge(count) : navigator.clearAppBadge();
      if (done && done.catch) done.catch(function () { /* not installed, or not allowed: the title says it */ });
    }
  }

  // live.js: the conversation list was redrawn, or a message arrived.
  body.addEventListener("staffroom:sidebar-updated", showUnread);
  body.addEventListener("staffroom:message-arrived", function (e) {
    var detail = e.detail || {};
    if (detail.mine) return;
    if (detail.here && document.hidden) { arrivedHidden += 1; showUnread(); }
    if (body.dataset.sound && (document.hidden || !detail.here)) chime();
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && arrivedHidden) { arrivedHidden = 0; showUnread(); }
  });
  showUnread();

  // --- sound ---

  var audio = null;
  function chime() {
    try {
      audio = audio || new Audio(body.dataset.sound);
      audio.currentTime = 0;
      var playing = audio.play();
      if (playing && playing.catch) playing.catch(function () { /* the browser wants a tap first */ });
    } catch (e) { /* no audio here */ }
  }
})();
