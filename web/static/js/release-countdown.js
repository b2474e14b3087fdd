// Keep the release board's countdown to the embargo current. The server writes it, so the page
// says the time left without JavaScript; this only rewrites it each half-minute in the same
// words, measuring from the server's clock (data-now) so a wrong clock on this computer does not
// show a wrong time left.
const countdown = document.querySelector("#countdown[data-embargo]");

const plural = (count, unit) => `${count} ${unit}${count === 1 ? "" : "s"}`;

export const words = (leftMs, when) => {
  if (leftMs <= 0) {
    return `The embargo passed at ${when}`;
  }
  const totalMinutes = Math.floor(leftMs / 60000);
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  const parts = [];
  if (days) parts.push(plural(days, "day"));
  if (hours) parts.push(plural(hours, "hour"));
  if (minutes && !days) parts.push(plural(minutes, "minute"));
  if (!parts.length) parts.push("Less than a minute");
  return `${parts.join(" ")} to the embargo (${when})`;
};

if (countdown) {
  const embargo = Date.parse(countdown.dataset.embargo);
  const skew = Date.parse(countdown.dataset.now) - Date.now();
  const when = countdown.dataset.when;
  const update = () => {
    const left = embargo - (Date.now() + skew);
    countdown.textContent = words(left, when);
    if (left <= 0) {
      clearInterval(timer);
    }
  };
  const timer = setInterval(update, 30000);
  update();
}
