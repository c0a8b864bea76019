"""English is the source language: its catalogue's translations are the message ids themselves.

Run by ``make translations`` after ``pybabel update`` so that the English catalogue is complete.
"""
import sys

from babel.messages.pofile import read_po, write_po


def fill(path: str) -> None:
    with open(path, "rb") as handle:
        catalog = read_po(handle, locale="en")
    for message in catalog:
        if not message.id:
            continue
        if message.pluralizable:
            if not all(message.string):
                message.string = (message.id[0], message.id[1])
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with open(path, "wb") as handle:
        write_po(handle, catalog, sort_by_file=True, omit_header=False, include_lineno=False)


if __name__ == "__main__":
    for po_path in sys.argv[1:]:
        fill(po_path)
