// pipeline-store status page: refresh the server-rendered part when the pipelines change.
//
// The page polls List Pipelines (selector=status). Once the server sends an ETag, each poll
// carries If-None-Match and an unchanged list costs a bodiless 304; without one, the body is
// compared with the previous poll's. Only on a change is the part fetched again.
"use strict";
(function () {
  const POLL_MS = 2000;
  const TOKEN_KEY = "pipeline-store.token";  // sessionStorage: this tab only, gone when closed
  const body = document.body;
  const bearer = body.dataset.bearer === "true";
  const fragmentUrl = body.dataset.fragment;
  const pollUrl = body.dataset.poll;
  const content = document.getElementById("content");
  const state = document.getElementById("refresh-state");
  const filter = document.getElementById("filter");
  const form = document.getElementById("token-form");
  const signOut = document.getElementById("sign-out");
  let etag = null;
  let lastBody = null;
  let timer = null;
  let running = false;

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function headers(extra) {
    const result = Object.assign({}, extra);
    if (bearer && token()) result.Authorization = "Bearer " + token();
    return result;
  }

  function say(text) {
    state.textContent = text;
  }

  async function errorMessage(response) {
    try {
      return (await response.json()).message;
    } catch (error) {
      return "HTTP " + response.status;
    }
  }

  // Fetch the server-rendered part; false when the token was refused.
  async function loadPart() {
    const response = await fetch(fragmentUrl, { headers: headers(), cache: "no-store" });
    if (response.status === 401 || response.status === 403) {
      askForToken(await errorMessage(response));
      return false;
    }
    content.innerHTML = await response.text();
    applyFilter();
    say("updated " + new Date().toLocaleTimeString());
    return true;
  }

  async function poll() {
    timer = null;
    if (!running || document.hidden) return;  // a hidden tab polls nothing; see below
    try {
      const extra = etag ? { "If-None-Match": etag } : {};
      const response = await fetch(pollUrl, { headers: headers(extra), cache: "no-store" });
      if (response.status === 401 || response.status === 403) {
        askForToken(await errorMessage(response));
        return;
      }
      if (response.status === 200) {
        let changed;
        const tag = response.headers.get("ETag");
        if (tag) {
          changed = etag !== null && tag !== etag;
          etag = tag;
          if (response.body) response.body.cancel();  // the tag says all we need
        } else {
          const text = await response.text();
          changed = lastBody !== null && text !== lastBody;
          lastBody = text;
        }
        if (changed) await loadPart();
        else say("checked " + new Date().toLocaleTimeString());
      } else if (response.status === 304) {
        say("checked " + new Date().toLocaleTimeString());
      } else {
        say("server answered " + response.status + "; retrying");
      }
    } catch (error) {
      say("server unreachable; retrying");
    }
    schedule();
  }

  function schedule() {
    if (running && timer === null) timer = setTimeout(poll, POLL_MS);
  }

  function stop() {
    running = false;
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  function start() {
    running = true;
    poll();
  }

  function applyFilter() {
    if (!filter) return;
    const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = content.querySelectorAll("tr[data-name]");
    let shown = 0;
    rows.forEach(function (row) {
      const tags = row.dataset.tags.split(" ");
      const match = words.every(function (word) {
        return row.dataset.name.includes(word) || tags.some((tag) => tag.includes(word));
      });
      row.hidden = !match;
      if (match) shown += 1;
    });
    const none = document.getElementById("no-match");
    if (none) none.hidden = shown > 0 || rows.length === 0;
  }

  function askForToken(message) {
    stop();
    sessionStorage.removeItem(TOKEN_KEY);
    content.innerHTML = "";
    form.hidden = false;
    signOut.hidden = true;
    const error = document.getElementById("token-error");
    error.textContent = message || "";
    error.hidden = !message;
    say("");
    document.getElementById("token").focus();
  }

  if (filter) {
    filter.value = new URLSearchParams(location.search).get("q") || "";
    filter.addEventListener("input", function () {
      const url = new URL(location.href);
      if (filter.value) url.searchParams.set("q", filter.value);
      else url.searchParams.delete("q");
      history.replaceState(null, "", url);  // a reload keeps the filter
      applyFilter();
    });
    applyFilter();
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && running && timer === null) poll();
  });

  if (!bearer) {
    start();
    return;
  }
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const input = document.getElementById("token");
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    input.value = "";
    form.hidden = true;
    signOut.hidden = false;
    if (await loadPart()) start();
  });
  signOut.addEventListener("click", function () {
    askForToken("");
  });
  if (token()) {
    signOut.hidden = false;
    loadPart().then((ok) => ok && start());
  } else {
    askForToken("");
  }
})();
