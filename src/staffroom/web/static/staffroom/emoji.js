// The full emoji picker: one <dialog> per page (emoji_picker.html), opened by any [data-emoji-open] button.
// A button with data-emoji-insert="<textarea id>" inserts the chosen emoji at the caret; one inside a form with
// [data-emoji-value] sets that field and sends the form (a reaction). The data (every fully-qualified emoji of
// the kept data set, grouped, with English names) is fetched once from a long-cached, versioned URL.
// Keyboard: the options are a listbox with one tab stop; arrows move (up and down by a row), Home and End,
// Enter or Space choose, typing in the search box filters by name; Escape closes and focus goes back to the
// button that opened the picker.
(function () {
  "use strict";
  var dialog = document.getElementById("emoji-picker");
  if (!dialog || typeof dialog.showModal !== "function") return;
  document.documentElement.classList.add("has-emoji-picker");
  var search = document.getElementById("emoji-search");
  var list = document.getElementById("emoji-options");
  var status = document.getElementById("emoji-status");
  var opener = null;
  var loading = null;
  var options = [];

  function text(name, values) {
    var s = dialog.dataset[name] || "";
    Object.keys(values || {}).forEach(function (k) { s = s.split("{" + k + "}").join(values[k]); });
    return s;
  }

  function load() {
    if (loading) return loading;
    loading = fetch(dialog.dataset.url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(build)
      .catch(function () { loading = null; status.textContent = text("msgFailed"); });
    return loading;
  }

  function build(data) {
    list.textContent = "";
    options = [];
    var n = 0;
    data.groups.forEach(function (group) {
      var box = document.createElement("div");
      box.setAttribute("role", "group");
      var label = document.createElement("div");
      label.className = "emoji-group-label";
      label.id = "emoji-group-" + group.key;
      label.textContent = dialog.dataset["group" + group.key.charAt(0).toUpperCase() + group.key.slice(1)] || group.key;
      box.setAttribute("aria-labelledby", label.id);
      box.appendChild(label);
      var grid = document.createElement("div");
      grid.className = "emoji-grid";
      group.emoji.forEach(function (item) {
        var option = document.createElement("div");
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.id = "emoji-option-" + (n++);
        option.className = "emoji-option";
        option.tabIndex = -1;
        option.textContent = item[0];
        option.setAttribute("aria-label", item[1]);
        option.title = item[1];
        option.dataset.emoji = item[0];
        option.dataset.name = item[1].toLowerCase();
        grid.appendChild(option);
        options.push(option);
      });
      box.appendChild(grid);
      list.appendChild(box);
    });
    filter();
  }

  function visible() {
    return options.filter(function (o) { return !o.hidden; });
  }

  function setCurrent(option, focus) {
    options.forEach(function (o) {
      var on = o === option;
      o.tabIndex = on ? 0 : -1;
      o.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (option && focus) {
      option.focus();
      option.scrollIntoView({ block: "nearest" });
    }
  }

  function filter() {
    var words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    options.forEach(function (o) {
      var match = words.every(function (w) { return o.dataset.name.indexOf(w) !== -1; });
      o.hidden = !match;
      if (match) shown++;
    });
    list.querySelectorAll("[role=group]").forEach(function (g) {
      g.hidden = !g.querySelector("[role=option]:not([hidden])");
    });
    if (words.length) status.textContent = shown ? text("msgCount", { n: shown }) : text("msgNone");
    else status.textContent = "";
    setCurrent(visible()[0] || null, false);
  }

  // Up and down go to the option in the same column of the row above or below, as the grid wraps on screen.
  function vertical(current, down) {
    var shown = visible();
    var here = current.getBoundingClientRect();
    var i = shown.indexOf(current);
    var step = down ? 1 : -1;
    var best = null;
    for (var j = i + step; j >= 0 && j < shown.length; j += step) {
      var box = shown[j].getBoundingClientRect();
      if (down ? box.top <= here.top + 1 : box.top >= here.top - 1) continue;
      if (best && Math.abs(box.top - best.top) > 1) break;
      var gap = Math.abs(box.left - here.left);
      if (!best || gap < best.gap) best = { option: shown[j], gap: gap, top: box.top };
    }
    return best ? best.option : null;
  }

  list.addEventListener("keydown", function (event) {
    var current = event.target.closest && event.target.closest("[role=option]");
    if (!current) return;
    var shown = visible();
    var i = shown.indexOf(current);
    var next = null;
    switch (event.key) {
      case "ArrowRight": next = shown[i + 1]; break;
      case "ArrowLeft": next = i > 0 ? shown[i - 1] : null; if (i === 0) { search.focus(); event.preventDefault(); return; } break;
      case "ArrowDown": next = vertical(current, true); break;
      case "ArrowUp": next = vertical(current, false); if (!next) { search.focus(); event.preventDefault(); return; } break;
      case "Home": next = shown[0]; break;
      case "End": next = shown[shown.length - 1]; break;
      case "Enter": case " ": event.preventDefault(); choose(current); return;
      default: return;
    }
    event.preventDefault();
    if (next) setCurrent(next, true);
  });

  list.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[role=option]");
    if (option) choose(option);
  });

  search.addEventListener("input", filter);
  search.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || (event.key === "Enter" && search.value.trim())) {
      event.preventDefault();
      var first = list.querySelector("[role=option][tabindex='0']") || visible()[0];
      if (!first) return;
      if (event.key === "Enter") choose(first);
      else setCurrent(first, true);
    }
  });

  function insertAt(field, value) {
    var start = field.selectionStart == null ? field.value.length : field.selectionStart;
    var end = field.selectionEnd == null ? start : field.selectionEnd;
    field.value = field.value.slice(0, start) + value + field.value.slice(end);
    var caret = start + value.length;
    field.setSelectionRange(caret, caret);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function choose(option) {
    var from = opener;
    var emoji = option.dataset.emoji;
    opener = null; // focus is placed here, not by the close handler (its event comes later)
    close();
    if (!from) return;
    var target = from.dataset.emojiInsert && document.getElementById(from.dataset.emojiInsert);
    if (target) {
      insertAt(target, emoji);
      target.focus();
      return;
    }
    var form = from.closest("form");
    var field = form && form.querySelector("[data-emoji-value]");
    if (field) {
      giveFocus(from);
      field.value = emoji;
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.submit();
    }
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  function giveFocus(button) {
    if (!button || !button.isConnected) return;
    // A button inside a closed Actions menu cannot take focus: open the menu again first.
    var menu = button.closest("details");
    if (menu && !menu.open) menu.open = true;
    button.focus();
  }

  dialog.addEventListener("close", function () {
    var back = opener;
    opener = null;
    giveFocus(back);
  });
  dialog.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-emoji-close]")) close();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-emoji-open]");
    if (!button) return;
    event.preventDefault();
    opener = button;
    search.value = "";
    dialog.showModal();
    search.focus();
    load().then(filter);
  });
})();
