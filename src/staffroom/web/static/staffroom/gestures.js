// Touch gestures on a message, as in a phone's chat apps (the same things stay a tap or a key away without them):
// - a tap on a message (not on a link or control in it), or a long press, opens its Actions menu (Reply, the
//   reactions, More reactions, Edit...);
// - a swipe to the right starts a reply: the composer shows the quoted message with "Cancel reply", and the
//   message box takes the focus. The visible Reply link under each message does the same in one tap.
(function () {
  "use strict";
  var list = document.getElementById("messages");
  var timeline = list && list.closest(".timeline");
  if (!timeline) return;
  var SWIPE = 60; // px to the right that starts a reply
  var SLOP = 10; // px a finger may wander in a tap
  var LONG_PRESS = 500; // ms
  var start = null;

  function messageOf(target) {
    return target && target.closest ? target.closest("li.message[data-message-id]") : null;
  }

  function interactive(target) {
    return !!(target.closest && target.closest("a, button, input, textarea, select, summary, label, audio, video, details[open] .message-actions-body, [contenteditable]"));
  }

  function reset(message) {
    if (!message) return;
    message.classList.remove("swiping", "swipe-ready");
    message.style.transform = "";
  }

  timeline.addEventListener("touchstart", function (event) {
    var message = messageOf(event.target);
    if (!message || event.touches.length !== 1 || interactive(event.target)) { start = null; return; }
    var touch = event.touches[0];
    start = { message: message, x: touch.clientX, y: touch.clientY, at: Date.now(), moved: false, pressed: false };
    start.timer = window.setTimeout(function () {
      if (start && !start.moved) { start.pressed = true; openActions(start.message); }
    }, LONG_PRESS);
  }, { passive: true });

  timeline.addEventListener("touchmove", function (event) {
    if (!start || event.touches.length !== 1) return;
    var touch = event.touches[0];
    var dx = touch.clientX - start.x;
    var dy = touch.clientY - start.y;
    if (Math.abs(dx) > SLOP || Math.abs(dy) > SLOP) {
      start.moved = true;
      window.clearTimeout(start.timer);
    }
    if (dx > SLOP && Math.abs(dy) < Math.abs(dx) && canReply(start.message)) {
      start.message.classList.add("swiping");
      start.message.classList.toggle("swipe-ready", dx >= SWIPE);
      start.message.style.transform = "translateX(" + Math.min(dx, SWIPE * 1.5) + "px)";
    }
  }, { passive: true });

  timeline.addEventListener("touchend", function (event) {
    if (!start) return;
    var begun = start;
    start = null;
    window.clearTimeout(begun.timer);
    reset(begun.message);
    var touch = event.changedTouches[0];
    if (!touch) return;
    var dx = touch.clientX - begun.x;
    var dy = touch.clientY - begun.y;
    if (dx >= SWIPE && Math.abs(dy) < dx / 2) {
      startReply(begun.message);
    } else if (!begun.moved && !begun.pressed && Math.abs(dx) <= SLOP && Math.abs(dy) <= SLOP) {
      if (window.getSelection && String(window.getSelection()).length) return; // selecting text, not tapping
      openActions(begun.message, true);
    }
  });

  timeline.addEventListener("touchcancel", function () {
    if (start) { window.clearTimeout(start.timer); reset(start.message); }
    start = null;
  });

  function canReply(message) {
    return !!message.querySelector("[data-reply-to]");
  }

  function openActions(message, toggle) {
    var menu = message.querySelector("details.message-actions");
    if (!menu) return;
    menu.open = toggle ? !menu.open : true;
    if (menu.open) {
      var summary = menu.querySelector("summary");
      if (summary) summary.focus({ preventScroll: true });
    }
  }

  function startReply(message) {
    var link = message.querySelector("[data-reply-to]");
    if (!link) return;
    var focusBox = function () {
      document.removeEventListener("htmx:afterSettle", focusBox);
      var box = document.getElementById("composer-body");
      if (box) box.focus();
    };
    document.addEventListener("htmx:afterSettle", focusBox);
    link.click();
  }
})();
