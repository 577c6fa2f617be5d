// The page's scripts, loaded as a file, not inline, so the Content-Security-Policy can forbid
// inline scripts. Everything here only adds to what the server already wrote: without
// JavaScript the page says the same in UTC and in words.

// The one-click cheat: sets a cookie from the page and reloads. Hidden without JavaScript.
for (const button of document.querySelectorAll("[data-set-cookie]")) {
  button.hidden = false;
  button.addEventListener("click", () => {
    document.cookie = `${button.dataset.setCookie}; path=/; SameSite=Lax`;
    location.reload();
  });
}

// Times in the visitor's own time zone, in the page's language; the UTC text stays as a tooltip.
for (const time of document.querySelectorAll("time[data-local-time]")) {
  const instant = new Date(time.dateTime);
  if (Number.isNaN(instant.getTime())) continue;
  time.title = time.textContent;
  time.textContent = instant.toLocaleString(document.documentElement.lang, {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short",
  });
}

// The countdown to the next counted visit, as h:mm:ss, until it reaches zero; then it says to
// reload. The sentences come from the page (data-left with "{left}", data-done), in its language.
for (const countdown of document.querySelectorAll("[data-countdown]")) {
  const due = new Date(countdown.dataset.countdown).getTime();
  if (Number.isNaN(due)) continue;
  const pad = (n) => String(n).padStart(2, "0");
  const tick = () => {
    const left = Math.ceil((due - Date.now()) / 1000);
    if (left <= 0) {
      countdown.textContent = countdown.dataset.done;
      countdown.classList.add("due");
      return false;
    }
    const clock = `${Math.floor(left / 3600)}:${pad(Math.floor(left / 60) % 60)}:${pad(left % 60)}`;
    countdown.textContent = countdown.dataset.left.replace("{left}", clock);
    return true;
  };
  if (tick()) {
    const timer = setInterval(() => { if (!tick()) clearInterval(timer); }, 1000);
  }
}
