// The web chat: sends what the person types or taps to /api/chat and shows the replies.
// Everything from the server is inserted with textContent, never as HTML.
(function () {
  "use strict";
  var root = document.querySelector(".chat");
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("text");
  var send = document.getElementById("send");
  var locale = root.dataset.locale;
  var SESSION_KEY = "helpdesk-session";

  function newSession() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  var session = null;
  try { session = window.localStorage.getItem(SESSION_KEY); } catch (e) { /* private mode */ }
  if (!session || !/^[A-Za-z0-9_-]{8,64}$/.test(session)) {
    session = newSession();
    try { window.localStorage.setItem(SESSION_KEY, session); } catch (e) { /* private mode */ }
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  // Render the content's **bold** marks and bare web addresses, safely.
  function appendRich(parent, text) {
    text.split(/(\*\*[^*]+\*\*|https?:\/\/[^\s)]+)/).forEach(function (part) {
      if (!part) { return; }
      if (/^\*\*[^*]+\*\*$/.test(part)) {
        var strong = document.createElement("strong");
        strong.textContent = part.slice(2, -2);
        parent.appendChild(strong);
      } else if (/^https?:\/\//.test(part)) {
        var a = document.createElement("a");
        a.href = part; a.textContent = part; a.target = "_blank"; a.rel = "noopener noreferrer";
        parent.appendChild(a);
      } else {
        parent.appendChild(document.createTextNode(part));
      }
    });
  }

  function addMine(text) {
    var item = document.createElement("li");
    item.className = "msg msg--me";
    item.textContent = text;
    log.appendChild(item);
    scrollDown();
  }

  function disableOldButtons() {
    log.querySelectorAll(".msg__buttons button").forEach(function (b) { b.disabled = true; });
  }

  function addReply(reply) {
    var item = document.createElement("li");
    item.className = "msg msg--bot";
    var body = document.createElement("div");
    body.className = "msg__text";
    appendRich(body, reply.text || "");
    item.appendChild(body);
    (reply.contacts || []).forEach(function (c) {
      var card = document.createElement("a");
      card.className = "contact";
      card.href = "tel:" + c.dial;
      var name = document.createElement("span");
      name.className = "contact__name"; name.textContent = c.name;
      var role = document.createElement("span");
      role.className = "contact__role"; role.textContent = c.role || "";
      var phone = document.createElement("span");
      phone.className = "contact__phone"; phone.textContent = "☎ " + root.dataset.call + " " + c.phone;
      card.appendChild(name); card.appendChild(role); card.appendChild(phone);
      item.appendChild(card);
    });
    (reply.links || []).forEach(function (l) {
      var a = document.createElement("a");
      a.className = "link"; a.href = l.url; a.target = "_blank"; a.rel = "noopener noreferrer";
      a.textContent = "🔗 " + l.label;
      item.appendChild(a);
    });
    if (reply.buttons && reply.buttons.length) {
      var row = document.createElement("div");
      row.className = "msg__buttons";
      reply.buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.label;
        button.addEventListener("click", function () {
          addMine(b.label);
          post({ action: b.action });
        });
        row.appendChild(button);
      });
      item.appendChild(row);
    }
    log.appendChild(item);
    scrollDown();
  }

  function setBusy(busy) {
    send.disabled = busy;
    root.classList.toggle("chat--busy", busy);
  }

  function post(payload) {
    payload.session = session;
    payload.locale = locale;
    disableOldButtons();
    setBusy(true);
    return fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload)
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      (data.replies || []).forEach(addReply);
    }).catch(function () {
      addReply({ text: root.dataset.error });
    }).finally(function () {
      setBusy(false);
      input.focus();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { input.focus(); return; }
    input.value = "";
    addMine(text);
    post({ text: text });
  });

  post({ text: "/start" });
})();
