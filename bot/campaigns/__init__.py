"""Campaign reports: admins define a drive, people report "I have installed / re-activated",
and the figures per district and per agency are exported (issue 17)."""
