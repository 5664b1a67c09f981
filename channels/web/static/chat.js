// The web chat: sends what the person types or taps to /api/chat and shows the replies.
// Everything from the server is inserted with textContent, never as HTML. Interface words
// come from the page's data-* attributes, in the page's language.
(function () {
  "use strict";
  var root = document.querySelector(".chat");
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("text");
  var send = document.getElementById("send");
  var words = root.dataset;
  var locale = words.locale;
  var SESSION_KEY = "helpdesk-session";
  var SUPPORT_KEY = "helpdesk-support";
  var TIMEOUT_MS = 15000;
  var SHARED_ID = /^[a-z0-9_.]{1,60}$/;
  var REFERRAL = /^[A-Z2-9]{6}$/;  // a volunteer's code (bot/volunteers/links.py)

  function newSession() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function load(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; /* private mode */ }
  }

  function save(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }

  var session = load(SESSION_KEY);
  if (!session || !/^[A-Za-z0-9_-]{8,64}$/.test(session)) {
    session = newSession();
    save(SESSION_KEY, session);
  }

  // The hotlines of the person's province, from the last answer: shown when the server
  // cannot be reached.
  function cleanContacts(list) {
    if (!Array.isArray(list)) { return []; }
    return list.filter(function (c) {
      return c && typeof c.name === "string" && typeof c.phone === "string" &&
        typeof c.dial === "string";
    });
  }

  var support = [];
  try { support = cleanContacts(JSON.parse(load(SUPPORT_KEY) || "[]")); } catch (e) { support = []; }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  // The start of a reply, not the bottom of the log: a long answer is read from its first line.
  function scrollToReply(item) {
    log.scrollTop = Math.max(0, item.offsetTop - 6);
  }

  function speaker(item, who) {
    var label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = who + " ";
    item.appendChild(label);
  }

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
    speaker(item, words.you);
    var body = document.createElement("div");
    body.className = "msg__text";
    body.textContent = text;
    item.appendChild(body);
    log.appendChild(item);
    scrollDown();
  }

  function contactCard(c) {
    var card = document.createElement("a");
    card.className = "contact";
    if (/^\+?[0-9]{2,20}$/.test(c.dial)) { card.href = "tel:" + c.dial; }
    var name = document.createElement("span");
    name.className = "contact__name"; name.textContent = c.name;
    var role = document.createElement("span");
    role.className = "contact__role"; role.textContent = c.role || "";
    var phone = document.createElement("span");
    phone.className = "contact__phone"; phone.textContent = "☎ " + words.call + " " + c.phone;
    card.appendChild(name); card.appendChild(role); card.appendChild(phone);
    return card;
  }

  function buttonRow(buttons) {
    var row = document.createElement("div");
    row.className = "msg__buttons";
    buttons.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = b.label;
      button.addEventListener("click", b.onClick);
      row.appendChild(button);
    });
    return row;
  }

  function shareUrl(share) {
    // A volunteer's link carries their code: people who open it count for them.
    var ref = typeof share.ref === "string" && REFERRAL.test(share.ref) ? "&ref=" + share.ref : "";
    return window.location.origin + "/?" + share.kind + "=" + encodeURIComponent(share.id) + ref;
  }

  function shareRow(share) {
    var row = document.createElement("div");
    row.className = "msg__share";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "↗ " + words.share;
    var status = document.createElement("span");
    status.className = "msg__status";
    status.setAttribute("role", "status");
    row.appendChild(button);
    row.appendChild(status);

    function showField(url) {
      if (row.querySelector("input")) { row.querySelector("input").select(); return; }
      var label = document.createElement("label");
      label.className = "msg__copy";
      label.textContent = words.copy + " ";
      var field = document.createElement("input");
      field.type = "text"; field.readOnly = true; field.value = url;
      label.appendChild(field);
      row.appendChild(label);
      field.focus();
      field.select();
    }

    function copy(url) {
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(url).then(function () {
          status.textContent = words.copied;
        }, function () { showField(url); });
      } else {
        showField(url);
      }
    }

    button.addEventListener("click", function () {
      var url = shareUrl(share);
      status.textContent = "";
      if (navigator.share) {
        navigator.share({ title: share.title, url: url }).catch(function (error) {
          if (!error || error.name !== "AbortError") { copy(url); }
        });
      } else {
        copy(url);
      }
    });
    return row;
  }

  function validShare(share) {
    return share && (share.kind === "guide" || share.kind === "topic") &&
      typeof share.id === "string" && SHARED_ID.test(share.id) &&
      typeof share.title === "string";
  }

  // `person`: the first name of the support staff member who wrote it (live support).
  function addReply(reply, person) {
    var item = document.createElement("li");
    item.className = person ? "msg msg--bot msg--person" : "msg msg--bot";
    speaker(item, person ? person + " (" + words.staff + "):" : words.bot);
    if (person) {
      var from = document.createElement("div");
      from.className = "msg__from";
      from.setAttribute("aria-hidden", "true");
      from.textContent = "👤 " + person + " · " + words.staff;
      item.appendChild(from);
    }
    var body = document.createElement("div");
    body.className = "msg__text";
    appendRich(body, reply.text || "");
    item.appendChild(body);
    cleanContacts(reply.contacts).forEach(function (c) { item.appendChild(contactCard(c)); });
    (reply.links || []).forEach(function (l) {
      if (typeof l.url !== "string" || !/^https?:\/\//.test(l.url)) { return; }
      var a = document.createElement("a");
      a.className = "link"; a.href = l.url; a.target = "_blank"; a.rel = "noopener noreferrer";
      a.textContent = "🔗 " + l.label;
      item.appendChild(a);
    });
    if (reply.buttons && reply.buttons.length) {
      item.appendChild(buttonRow(reply.buttons.map(function (b) {
        return {
          label: b.label,
          onClick: function () {
            addMine(b.label);
            post({ action: b.action }, false);
          }
        };
      })));
    }
    if (validShare(reply.share)) { item.appendChild(shareRow(reply.share)); }
    log.appendChild(item);
    return item;
  }

  // Said when the server cannot be reached (or asks to slow down, `message`): try again, the
  // menu, and the province's hotlines.
  function addFailure(payload, typed, message) {
    var item = document.createElement("li");
    item.className = "msg msg--bot msg--error";
    speaker(item, words.bot);
    var body = document.createElement("div");
    body.className = "msg__text";
    body.textContent = message || words.error;
    item.appendChild(body);
    if (support.length) {
      var intro = document.createElement("div");
      intro.className = "msg__text msg__support";
      intro.textContent = words.support;
      item.appendChild(intro);
      support.forEach(function (c) { item.appendChild(contactCard(c)); });
    }
    item.appendChild(buttonRow([
      { label: words.retry, onClick: function () { post(payload, typed); } },
      {
        label: words.menu,
        onClick: function () {
          addMine(words.menu);
          post({ action: "menu" }, false);
        }
      }
    ]));
    log.appendChild(item);
    return item;
  }

  // Buttons of earlier answers are switched off while a request is on its way; the ones that
  // were live come back if it fails (except those of an earlier failure notice).
  function disableOldButtons() {
    var live = [];
    log.querySelectorAll(".msg__buttons button").forEach(function (b) {
      if (!b.disabled) { b.disabled = true; live.push(b); }
    });
    return live;
  }

  var typing = null;

  function setBusy(busy) {
    send.disabled = busy;
    root.classList.toggle("chat--busy", busy);
    if (busy && !typing) {
      typing = document.createElement("li");
      typing.className = "msg msg--typing";
      var said = document.createElement("span");
      said.className = "visually-hidden";
      said.textContent = words.typing;
      var dots = document.createElement("span");
      dots.className = "typing";
      dots.setAttribute("aria-hidden", "true");
      for (var i = 0; i < 3; i += 1) {
        dots.appendChild(document.createElement("span")).textContent = "•";
      }
      typing.appendChild(said);
      typing.appendChild(dots);
      log.appendChild(typing);
      scrollDown();
    } else if (!busy && typing) {
      typing.remove();
      typing = null;
    }
  }

  // Only after a typed message does the box get the focus back: on a touch screen a tapped
  // button must not pop up the keyboard over the answer.
  function refocus(typed) {
    var finePointer = window.matchMedia && window.matchMedia("(pointer: fine)").matches;
    if (typed || finePointer) { input.focus({ preventScroll: true }); }
  }

  function post(payload, typed) {
    payload.session = session;
    payload.locale = locale;
    var live = disableOldButtons();
    setBusy(true);
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : 0;
    return fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (response.status === 429) { throw new Error("slow down"); }
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      if (Array.isArray(data.support)) {
        support = cleanContacts(data.support);
        save(SUPPORT_KEY, JSON.stringify(support));
      }
      setBusy(false);
      var first = null;
      (data.replies || []).forEach(function (reply) {
        var item = addReply(reply);
        if (!first) { first = item; }
        if (chatWithStaff(reply)) { listen(); }
      });
      if (first) { scrollToReply(first); }
    }).catch(function (error) {
      setBusy(false);
      live.forEach(function (b) {
        if (!b.closest(".msg--error")) { b.disabled = false; }
      });
      var slow = error && error.message === "slow down";
      scrollToReply(addFailure(payload, typed, slow ? words.slow : words.error));
    }).finally(function () {
      window.clearTimeout(timer);
      setBusy(false);
      refocus(typed);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { input.focus(); return; }
    input.value = "";
    addMine(text);
    post({ text: text }, true);
  });

  // Live support: what the support staff write arrives by itself, as server-sent events from
  // /api/events (polled as JSON where EventSource is missing or fails). `after` is the id of
  // the last message shown, kept per session so a reload does not show it again.
  var LIVE_KEY = "helpdesk-live";
  var POLL_MS = 5000;
  var listening = false;
  var wasLive = false;  // a chat was open: a failed poll is tried again

  function liveAfter() {
    var kept = (load(LIVE_KEY) || "").split(" ");
    return kept[0] === session && /^[0-9]{1,15}$/.test(kept[1] || "") ? kept[1] : "0";
  }

  function keepAfter(id) {
    if (Number(id) > Number(liveAfter())) { save(LIVE_KEY, session + " " + id); }
  }

  // While a chat with the staff is open, the bot's replies offer to end it ("sp:end").
  function chatWithStaff(reply) {
    return (reply.buttons || []).some(function (b) { return b.action === "sp:end"; });
  }

  function showLive(event) {
    if (!event || typeof event.id !== "number" || !event.reply) { return; }
    if (event.id <= Number(liveAfter())) { return; }
    keepAfter(event.id);
    var person = event.from === "operator" && typeof event.name === "string" ? event.name : "";
    scrollToReply(addReply(event.reply, person));
  }

  function eventsUrl() {
    return "/api/events?session=" + encodeURIComponent(session) + "&after=" + liveAfter();
  }

  // Polling: where EventSource is missing or its stream failed; while a chat is open.
  var streamFailed = false;

  function poll() {
    listening = true;
    fetch(eventsUrl(), { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      (data.events || []).forEach(showLive);
      if (typeof data.after === "number") { keepAfter(data.after); }
      wasLive = Boolean(data.live);
      listening = false;
      if (!wasLive) { streamFailed = false; return; }
      if (window.EventSource && !streamFailed) {
        listen();
      } else {
        listening = true;
        window.setTimeout(poll, POLL_MS);
      }
    }).catch(function () {
      listening = wasLive;
      if (wasLive) { window.setTimeout(poll, POLL_MS); }
    });
  }

  function listen() {
    wasLive = true;
    if (listening) { return; }
    if (!window.EventSource || streamFailed) { poll(); return; }
    listening = true;
    var source = new window.EventSource(eventsUrl());
    source.addEventListener("reply", function (message) {
      try { showLive(JSON.parse(message.data)); } catch (e) { /* not ours */ }
    });
    source.addEventListener("end", function () { source.close(); listening = false; });
    source.addEventListener("error", function () {
      // Closed for good (nothing to wait for, or refused): a poll says whether to go on.
      if (source.readyState === window.EventSource.CLOSED) {
        listening = false;
        streamFailed = true;
        poll();
      }
    });
  }

  // A shared link (/?guide=<id> or /?topic=<id>) opens that guide or answer; otherwise the
  // server greets a new person or shows a returning one where they were.
  function opening() {
    var guide = words.startGuide, topic = words.startTopic;
    var kind = guide && SHARED_ID.test(guide) ? "guide" : topic && SHARED_ID.test(topic) ? "topic" : "";
    if (!kind) { return { action: "hello" }; }
    var id = kind === "guide" ? guide : topic;
    var ref = "";
    try { ref = new URLSearchParams(window.location.search).get("ref") || ""; } catch (e) { /* old */ }
    try {
      // A reload then resumes instead of starting the shared item again.
      var params = new URLSearchParams(window.location.search);
      params.delete("guide"); params.delete("topic"); params.delete("ref");
      var query = params.toString();
      window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : ""));
    } catch (e) { /* an old browser keeps the address */ }
    // Deep-link payloads write the dots of ids as "-" (ids never contain "-"); a volunteer's
    // code (?ref=) goes first, as bot.volunteers.links.web_start_payload builds it.
    var payload = kind + "_" + id.replace(/\./g, "-");
    if (REFERRAL.test(ref) && payload.length + 11 <= 64) { payload = "ref_" + ref + "_" + payload; }
    return { text: "/start " + payload };
  }

  post(opening(), false).then(function () { if (!listening) { poll(); } });
})();
