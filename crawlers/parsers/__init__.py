"""Page objects: small classes over one saved response or product dict, one method per field.

They need no network and no crawler, so every field is tested on saved responses.
"""
