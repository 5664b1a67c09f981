"""What every route that takes input from the Internet needs, whatever the channel: JSON read
with limits (body.py), secrets compared safely (secret.py), the client's address behind
trusted proxies (address.py, requests.py), flood limits (flood.py) and refusals logged
without flooding the log (refusals.py).

Nothing here imports a channel; only requests.py imports aiohttp.
"""
