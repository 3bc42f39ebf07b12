"""Google's side of Ring's push (Firebase Cloud Messaging), on loopback: the registration calls over
http, the MCS socket over TLS with a certificate authority the emulator makes, and data messages
encrypted with Web Push `aesgcm` under the keys a client registered (docs/emulator-push.md)."""
