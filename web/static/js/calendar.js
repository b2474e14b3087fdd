// Moving a post on the calendar, as a progressive enhancement of each post's Move link (which,
// without JavaScript, opens the move form). Drag a post to another slot, or press its Move
// button, choose a slot with the arrow keys and press Enter: either way the browser opens the
// same confirmation page, with the slot filled in, and nothing moves until it is confirmed
// there. Slots a post cannot go to (already past, or before its release's embargo) are skipped.
const calendar = document.querySelector("[data-calendar]");

if (calendar) {
  const view = calendar.dataset.calendar;
  const status = document.querySelector("[data-calendar-status]");
  const slots = Array.from(calendar.querySelectorAll("[data-slot-date]"));
  let picking = null; // { post, button, index } while choosing a slot from the keyboard

  const slotOf = (element) => element.closest("[data-slot-date]");

  const allowed = (post, slot) => {
    // The slot must end after now and after the embargo, so some time in it may be chosen; the
    // server checks the exact time when the move is confirmed.
    const ends = Date.parse(slot.dataset.slotEnds);
    const embargo = post.dataset.embargo ? Date.parse(post.dataset.embargo) : 0;
    return ends > Date.now() && ends > embargo;
  };

  const moveUrl = (post, slot) => {
    const url = new URL(post.dataset.moveUrl, window.location.href);
    url.searchParams.set("view", view);
    url.searchParams.set("date", slot.dataset.slotDate);
    // A month's day keeps the post's own time of day; an hour slot gives its hour.
    url.searchParams.set("time", slot.dataset.slotTime || post.dataset.time);
    if (slot.dataset.slotFold) {
      url.searchParams.set("fold", slot.dataset.slotFold);
    }
    return url.toString();
  };

  const say = (message) => {
    if (status) {
      status.textContent = message;
    }
  };

  // Drag and drop.
  let dragged = null;
  const clearTargets = () => {
    for (const slot of calendar.querySelectorAll(".gp-calendar-slot--target")) {
      slot.classList.remove("gp-calendar-slot--target");
    }
  };

  for (const post of calendar.querySelectorAll("[data-move-url]")) {
    post.addEventListener("dragstart", (event) => {
      dragged = post;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", post.dataset.label);
    });
    post.addEventListener("dragend", () => {
      dragged = null;
      clearTargets();
    });
  }

  for (const slot of slots) {
    slot.addEventListener("dragenter", (event) => {
      if (dragged && allowed(dragged, slot)) {
        event.preventDefault();
      }
    });
    slot.addEventListener("dragover", (event) => {
      if (dragged && allowed(dragged, slot)) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        if (!slot.classList.contains("gp-calendar-slot--target")) {
          clearTargets();
          slot.classList.add("gp-calendar-slot--target");
        }
      }
    });
    slot.addEventListener("drop", (event) => {
      if (dragged && allowed(dragged, slot)) {
        event.preventDefault();
        const post = dragged;
        dragged = null;
        window.location.assign(moveUrl(post, slot));
      }
    });
  }

  // The keyboard: a Move button in place of each Move link.
  const choose = (index) => {
    const previous = slots[picking.index];
    previous.classList.remove("gp-calendar-slot--picked");
    previous.removeAttribute("tabindex");
    picking.index = index;
    const slot = slots[index];
    slot.classList.add("gp-calendar-slot--picked");
    slot.setAttribute("tabindex", "-1");
    slot.focus();
    say(
      `Moving ${picking.post.dataset.label} to ${slot.dataset.slotLabel}. ` +
        "Press Enter to confirm, Escape to cancel.",
    );
  };

  const stop = () => {
    const slot = slots[picking.index];
    slot.classList.remove("gp-calendar-slot--picked");
    slot.removeAttribute("tabindex");
    const { button } = picking;
    picking = null;
    button.setAttribute("aria-pressed", "false");
    button.focus();
  };

  // The next slot the post may go to, `step` slots on (negative: back), or the same one.
  const stepFrom = (index, step) => {
    for (let next = index + step; next >= 0 && next < slots.length; next += step) {
      if (allowed(picking.post, slots[next])) {
        return next;
      }
    }
    return index;
  };

  // Across to the same hour of the next or previous day (week and day views).
  const dayFrom = (index, days) => {
    const slot = slots[index];
    const day = slot.closest(".gp-calendar-day");
    const dayList = Array.from(calendar.querySelectorAll(".gp-calendar-day"));
    const target = dayList[dayList.indexOf(day) + days];
    if (!target) {
      return index;
    }
    const hours = Array.from(target.querySelectorAll("[data-slot-date]"));
    const position = Array.from(day.querySelectorAll("[data-slot-date]")).indexOf(slot);
    const candidate = hours[Math.min(position, hours.length - 1)];
    return candidate && allowed(picking.post, candidate) ? slots.indexOf(candidate) : index;
  };

  const keys = {
    month: { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 },
    week: { ArrowUp: -1, ArrowDown: 1 },
    day: { ArrowUp: -1, ArrowDown: 1, ArrowLeft: -1, ArrowRight: 1 },
  }[view];

  document.addEventListener("keydown", (event) => {
    if (!picking) {
      return;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      say(`Not moved: ${picking.post.dataset.label} stays where it was.`);
      stop();
    } else if (event.key === "Enter") {
      event.preventDefault();
      window.location.assign(moveUrl(picking.post, slots[picking.index]));
    } else if (view === "week" && (event.key === "ArrowLeft" || event.key === "ArrowRight")) {
      event.preventDefault();
      choose(dayFrom(picking.index, event.key === "ArrowLeft" ? -1 : 1));
    } else if (keys[event.key]) {
      event.preventDefault();
      const step = keys[event.key];
      if (view === "month" && Math.abs(step) === 7) {
        const next = picking.index + step;
        const inRange = next >= 0 && next < slots.length && allowed(picking.post, slots[next]);
        choose(inRange ? next : picking.index);
      } else {
        choose(stepFrom(picking.index, step));
      }
    }
  });

  // While choosing, a click on a slot picks it (rather than following its New post link).
  calendar.addEventListener("click", (event) => {
    if (!picking) {
      return;
    }
    const slot = slotOf(event.target);
    if (slot && allowed(picking.post, slot)) {
      event.preventDefault();
      window.location.assign(moveUrl(picking.post, slot));
    }
  });

  for (const link of calendar.querySelectorAll(".gp-calendar__move")) {
    const post = link.closest("[data-move-url]");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "gp-link-button gp-calendar__move-button";
    button.setAttribute("aria-pressed", "false");
    // "Move" and the post's visually hidden name, as the link had them.
    button.append(...Array.from(link.childNodes, (node) => node.cloneNode(true)));
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      if (picking) {
        stop();
        return;
      }
      picking = { post, button, index: slots.indexOf(slotOf(post)) };
      button.setAttribute("aria-pressed", "true");
      choose(picking.index);
    });
    link.replaceWith(button);
  }
}
