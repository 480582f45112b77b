/* Staffroom: small page behaviours that work without the live connection.
   - filter a long list of people by name
   - fold the conversation list above a conversation on a phone
   - Enter sends the message being written on a desk (Shift+Enter: new line); on a touch screen Enter is a new
     line and Send sends; Ctrl+Enter (or Cmd+Enter) sends everywhere
   - the message box grows with what is written (where CSS field-sizing is missing)
   - open a conversation at the first unread message ("New messages"), else at its newest
   - "Jump to newest" when newer messages are below what the reader is looking at
   - keep the toast area just above the composer (--composer-h)
   - keep keyboard focus in place when htmx (or live.js) replaces the part of the page that had it
   - Escape closes a message's Actions menu
   - focus a form's error summary when the page loads with one
   - tell the server what has been read, once the person can see it
   - say so when a passkey could not be used
   - print a report from its button
   No inline scripts: the Content-Security-Policy allows only files from this site. */
(function () {
  "use strict";

  // --- Filter a checkbox list: <input data-filter="list-id"> over <li data-filter-text="..."> ---
  function setUpFilters(root) {
    root.querySelectorAll("input[data-filter]").forEach(function (input) {
      var list = document.getElementById(input.dataset.filter);
      if (!list) return;
      input.hidden = false;
      var label = root.querySelector('label[for="' + input.id + '"]');
      if (label) label.hidden = false;
      input.addEventListener("input", function () {
        var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
        list.querySelectorAll("li[data-filter-text]").forEach(function (item) {
          var text = item.dataset.filterText || "";
          var match = words.every(function (w) { return text.indexOf(w) !== -1; });
          // A ticked person stays visible, so nobody is added without being seen.
          var ticked = item.querySelector("input:checked");
          item.hidden = !(match || ticked);
        });
      });
    });
  }

  // --- Conversation list: folded above a conversation on narrow screens, always open on wide ones ---
  function setUpSidebar() {
    var panel = document.getElementById("sidebar-panel");
    if (!panel || !window.matchMedia) return;
    var narrow = window.matchMedia("(max-width: 47.99rem)");
    function apply() {
      if (!narrow.matches) {
        panel.open = true;
      } else if (panel.hasAttribute("data-collapse-on-phone")) {
        panel.open = false;
      }
    }
    apply();
    if (narrow.addEventListener) narrow.addEventListener("change", apply);
  }

  // --- Enter sends on a desk; on a touch screen Enter is a new line (as in phone chat apps) ---
  function isTouch() {
    if (window.matchMedia && window.matchMedia("(pointer: coarse)").matches) return true;
    return "ontouchstart" in window && !(window.matchMedia && window.matchMedia("(pointer: fine)").matches);
  }

  function hasSomethingToSend(form, box) {
    if (box.value.trim()) return true;
    if (form.querySelector('input[name="attachment_ids"]')) return true;
    return Array.prototype.some.call(form.querySelectorAll('input[type="file"]'), function (f) {
      return f.files && f.files.length > 0;
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) return;
    var target = event.target;
    if (!(target instanceof HTMLTextAreaElement) || !target.form) return;
    var combo = event.ctrlKey || event.metaKey;
    var plain = !event.shiftKey && !event.altKey && !combo;
    // Plain Enter sends only from the composer, only with a keyboard; an edit box keeps Enter for new lines.
    if (!combo && !(plain && target.id === "composer-body" && !isTouch())) return;
    event.preventDefault();
    if (!hasSomethingToSend(target.form, target) && target.id === "composer-body") return;
    if (target.form.requestSubmit) target.form.requestSubmit();
    else target.form.submit();
  });

  // --- The message box grows with its text, up to a few lines (CSS does it where field-sizing works) ---
  var sizesItself = window.CSS && CSS.supports && CSS.supports("field-sizing", "content");
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (sizesItself || !(box instanceof HTMLTextAreaElement) || box.id !== "composer-body") return;
    box.style.height = "auto";
    box.style.height = Math.min(box.scrollHeight + 2, 9 * 16) + "px";
  });

  // --- The toast area sits just above the composer, however tall the composer is ---
  function trackComposer() {
    var root = document.documentElement;
    function measure() {
      var composer = document.getElementById("composer");
      root.style.setProperty("--composer-h", composer ? composer.offsetHeight + "px" : "0px");
    }
    measure();
    if (window.ResizeObserver) {
      var observer = new ResizeObserver(measure);
      var watch = function () { var c = document.getElementById("composer"); if (c) observer.observe(c); };
      watch();
      // htmx replaces the composer after each send: watch the new one.
      document.body.addEventListener("htmx:afterSwap", function () { watch(); measure(); });
    }
  }

  // --- "Jump to newest" ---
  function nearBottom() {
    return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 200;
  }

  function scrollToBottom() {
    // The composer is sticky, so it is always "in view": scroll the page itself to its end.
    window.scrollTo(0, document.documentElement.scrollHeight);
  }

  function jumpButton() {
    return document.getElementById("jump-newest");
  }

  function offerJump() {
    var button = jumpButton();
    if (button && !nearBottom()) button.hidden = false;
  }

  function setUpJump() {
    var button = jumpButton();
    if (!button) return;
    button.addEventListener("click", function () {
      button.hidden = true;
      scrollToBottom();
      var list = document.getElementById("messages");
      var last = list ? list.lastElementChild : null;
      if (last && last.tabIndex === -1) last.focus({ preventScroll: true });
    });
    window.addEventListener("scroll", function () {
      if (!button.hidden && nearBottom()) button.hidden = true;
    }, { passive: true });
  }

  // --- Keyboard focus across swaps (WCAG 2.4.3) ---
  // Reacting, acknowledging, saving or deleting replaces the whole message with a fresh copy from the server,
  // and the control that had focus goes with it, dropping a keyboard user to the top of the page. Focus goes
  // instead to the first of: the element with the same id in the new copy (htmx tries this itself, but cannot
  // when it sits in a closed menu), the element the control names in data-focus-after, the message's Actions
  // button, the message itself.
  function focusPlan(root) {
    var active = document.activeElement;
    if (!root || !active || active === document.body || !root.contains(active)) return null;
    var named = active.closest("[data-focus-after]");
    var message = active.closest(".message[data-message-id]");
    var ids = [active.id, named ? named.dataset.focusAfter : ""];
    if (message) ids.push("actions-" + message.dataset.messageId, message.id);
    return ids.filter(Boolean);
  }

  function restoreFocus(ids) {
    if (!ids) return;
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return; // kept, or moved on purpose (autofocus)
    for (var i = 0; i < ids.length; i++) {
      var el = document.getElementById(ids[i]);
      if (!el) continue;
      el.focus();
      if (document.activeElement === el) return; // an element inside a closed <details> cannot take focus
    }
  }

  // live.js replaces messages and the conversation list itself, and keeps focus the same way.
  window.staffroom = { focusPlan: focusPlan, restoreFocus: restoreFocus };

  var focusAfterSwap = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    focusAfterSwap = event.detail.shouldSwap ? focusPlan(event.detail.target) : null;
  });
  // Straight after the swap, while the new copy is surely on the page: a live update may replace it again before
  // htmx settles (and focuses an [autofocus] element such as the edit box, which then rightly wins).
  document.addEventListener("htmx:afterSwap", function () {
    var ids = focusAfterSwap;
    focusAfterSwap = null;
    restoreFocus(ids);
  });

  // --- Escape closes a message's Actions menu and returns to its button ---
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !(event.target instanceof Element)) return;
    var menu = event.target.closest("details.message-actions[open]");
    if (!menu) return;
    event.preventDefault();
    menu.open = false;
    var summary = menu.querySelector("summary");
    if (summary) summary.focus();
  });

  // --- A form sent without htmx came back with problems: start at the list of them (WCAG 3.3.1) ---
  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary[tabindex]");
    if (summary) summary.focus();
  }

  // --- Open a conversation at the bottom, where the newest messages and the composer are ---
  function scrollToNewest() {
    var main = document.getElementById("main");
    if (!main || !main.dataset.conversationId || main.dataset.liveAppend !== "true" || location.hash) return;
    var divider = document.getElementById("unread-divider");
    if (divider) {
      divider.scrollIntoView({ block: "start" });
      if (!nearBottom()) offerJump();
      return;
    }
    scrollToBottom();
  }

  // --- Reading ---
  // Opening a conversation (a GET) changes nothing on the server, so that a link from another site cannot mark
  // it read. The page says what it has shown, by POST with the CSRF token, when the tab is visible; a hidden
  // tab (opened in the background, or a message arriving while away) says it when it is next looked at.
  // live.js calls markRead for each new message shown.
  var pendingRead = 0;

  function markRead(id) {
    var main = document.getElementById("main");
    var url = main ? main.dataset.conversationUrl : "";
    if (!url || !(id > 0)) return;
    if (document.visibilityState !== "visible") {
      pendingRead = Math.max(pendingRead, id);
      return;
    }
    var form = new URLSearchParams();
    form.set("up_to", String(id));
    fetch(url + "read", {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      body: form
    });
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible" || !pendingRead) return;
    var id = pendingRead;
    pendingRead = 0;
    markRead(id);
  });

  function markShownRead() {
    var newest = 0;
    document.querySelectorAll("#messages .message[data-message-id]").forEach(function (el) {
      newest = Math.max(newest, Number(el.dataset.messageId) || 0);
    });
    markRead(newest);
  }

  window.staffroom.markRead = markRead;
  window.staffroom.offerJump = offerJump;
  window.staffroom.nearBottom = nearBottom;
  window.staffroom.scrollToBottom = scrollToBottom;

  // --- A "Print this report" button: <button data-print> ---
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });

  // --- A passkey that could not be used (cancelled, timed out, none on this device) ---
  // allauth's passkey script only logs the error; the page shows its own words for it instead.
  document.addEventListener("allauth.error", function (event) {
    var notice = document.getElementById("passkey-failed");
    if (!notice) return;
    event.preventDefault();
    notice.hidden = false;
    notice.focus();
  });

  function start() {
    setUpFilters(document);
    setUpSidebar();
    trackComposer();
    setUpJump();
    scrollToNewest();
    focusErrorSummary();
    markShownRead();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
