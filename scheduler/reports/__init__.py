"""Reports: the queue, the inbox, the calendar, feeds and exports; nothing here changes state."""
