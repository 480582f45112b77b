// Files in the composer, before and while they upload: size and type checked against the limits the server
// gives (data attributes on the file field), a preview of each file with a button to remove it, and upload
// progress. Without this script the form still works: the server checks everything again (413, 415, 422).
(function () {
  "use strict";

  function field(el) { return el && el.closest ? el.closest("[data-upload-field]") : null; }

  function megabytes(bytes) {
    var mb = bytes / (1024 * 1024);
    return (mb >= 0.1 ? mb.toFixed(1).replace(/\.0$/, "") : mb.toPrecision(2)) + " MB";
  }

  function words(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return values[key] || ""; });
  }

  function allowed(file, accept) {
    var name = file.name.toLowerCase();
    var type = (file.type || "").toLowerCase();
    return accept.some(function (entry) {
      return entry.charAt(0) === "." ? name.slice(-entry.length) === entry : type === entry;
    });
  }

  // The files the input holds, as a new FileList (a DataTransfer is the only way to build one).
  function keep(input, files) {
    var transfer = new DataTransfer();
    files.forEach(function (file) { transfer.items.add(file); });
    input.files = transfer.files;
  }

  function showError(box, messages) {
    var error = box.querySelector("[data-upload-error]");
    var input = box.querySelector("input[type=file]");
    error.textContent = messages.join(" ");
    error.hidden = messages.length === 0;
    if (messages.length) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  function preview(box) {
    var input = box.querySelector("input[type=file]");
    var list = box.querySelector("[data-upload-preview]");
    list.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (file, index) {
      var item = document.createElement("li");
      // Browsers cannot show HEIC; the server converts it, so only its name is shown here.
      if (/^image\/(jpeg|png|gif|webp)$/.test(file.type)) {
        var img = document.createElement("img");
        img.alt = "";
        img.className = "upload-thumb";
        img.src = URL.createObjectURL(file);
        item.appendChild(img);
      }
      var label = document.createElement("span");
      label.textContent = file.name + " (" + megabytes(file.size) + ")";
      item.appendChild(label);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link-button";
      remove.textContent = box.dataset.msgRemove;
      remove.setAttribute("aria-label", words(box.dataset.msgRemoveNamed, { name: file.name }));
      remove.addEventListener("click", function () {
        var files = Array.prototype.slice.call(input.files);
        files.splice(index, 1);
        keep(input, files);
        preview(box);
        input.focus();
      });
      item.appendChild(remove);
      list.appendChild(item);
    });
    list.hidden = input.files.length === 0;
  }

  document.addEventListener("change", function (event) {
    var box = field(event.target);
    if (!box || event.target.type !== "file") return;
    var input = event.target;
    var limit = parseInt(box.dataset.maxBytes, 10);
    var accept = box.dataset.accept.toLowerCase().split(",");
    var messages = [];
    var good = Array.prototype.filter.call(input.files, function (file) {
      if (file.size > limit) {
        messages.push(words(box.dataset.msgTooLarge, { name: file.name, size: megabytes(file.size), limit: megabytes(limit) }));
        return false;
      }
      if (!allowed(file, accept)) {
        messages.push(words(box.dataset.msgType, { name: file.name }));
        return false;
      }
      return true;
    });
    if (good.length !== input.files.length) keep(input, good);
    showError(box, messages);
    preview(box);
  });

  function progressOf(form) { return form && form.querySelector ? form.querySelector("[data-upload-progress]") : null; }

  document.addEventListener("htmx:xhr:loadstart", function (event) {
    var box = progressOf(event.target);
    var input = event.target.querySelector && event.target.querySelector("[data-upload-field] input[type=file]");
    if (!box || !input || input.files.length === 0) return;
    box.querySelector("progress").value = 0;
    box.querySelector("[data-upload-percent]").textContent = "0%";
    box.hidden = false;
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var box = progressOf(event.target);
    if (!box || box.hidden || !event.detail.lengthComputable) return;
    var percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    box.querySelector("progress").value = percent;
    box.querySelector("[data-upload-percent]").textContent = percent + "%";
  });
})();
