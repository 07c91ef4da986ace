"""Where PoseCraft keeps things: one module per MongoDB collection (`images`, `keys`, `webhooks`; `mongo` holds what
they share), the S3 objects (`storage`), the job queue (`queue`) and the change announcements (`events`).

The stores know the records (`posecraft.records`) and the settings, never the domain above them or HTTP.
"""
