"""Live support (issue 15): hand a citizen over to a person, on whichever channel they use.

- `model.py`: tickets and messages as the code sees them; `store.py` and `outbox.py`: their
  SQL (tables in bot/storage/ticket_tables.py).
- `service.py`: `LiveSupport`, what the flows, the channels and the admin pages call.
- `relay.py`: brings messages across, to the operators' desk (`desk.py`, a port a channel
  implements) and to citizens (their channel's `Deliverer`).
- `render.py`: what is said, in the operators' and the citizen's languages; `hours.py`:
  office hours; `scrub.py`: phone numbers masked; `actions.py`: the core's buttons.
"""
