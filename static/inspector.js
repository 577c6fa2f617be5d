// The one-click cheat: sets a cookie from the page and reloads. Loaded as a file, not inline, so
// the Content-Security-Policy can forbid inline scripts. Without JavaScript the button stays hidden.
for (const button of document.querySelectorAll("[data-set-cookie]")) {
  button.hidden = false;
  button.addEventListener("click", () => {
    document.cookie = `${button.dataset.setCookie}; path=/; SameSite=Lax`;
    location.reload();
  });
}
