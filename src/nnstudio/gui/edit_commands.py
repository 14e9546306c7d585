"""Undoable parameter edits. QUndoStack merges consecutive edits of one parameter into one entry.

Every command belongs to the network (the trainer's generation) it was made on: its apply function gets that
generation and does nothing to another network (redo/undo are called by C++, so they never raise either)."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ..engine import ParamRef, format_value

EDIT_COMMAND_ID = 0x6E6E  # any constant: commands with the same id() may merge


class EditParameterCommand(QUndoCommand):
    def __init__(self, apply, ref: ParamRef, index: int, old: float, new: float, generation: int):
        super().__init__()
        self._apply = apply  # apply(index, value, generation): to the trainer and the canvas, if still that network
        self.ref, self.index, self.old, self.new, self.generation = ref, index, old, new, generation
        self._update_text()

    def _update_text(self):
        self.setText(f"{self.ref.label()}: {format_value(self.old)} → {format_value(self.new)}")

    def redo(self):
        self._apply(self.index, self.new, self.generation)

    def undo(self):
        self._apply(self.index, self.old, self.generation)

    def id(self):
        return EDIT_COMMAND_ID

    def mergeWith(self, other):
        if not isinstance(other, EditParameterCommand) or (other.index, other.generation) != (self.index,
                                                                                              self.generation):
            return False
        self.new = other.new
        self._update_text()
        return True


class SetParametersCommand(QUndoCommand):
    """All parameters at once (an imported weight file): one undo step."""

    def __init__(self, apply, old, new, what: str, generation: int):
        super().__init__(f"set all parameters ({what})")
        self._apply, self.old, self.new, self.generation = apply, old, new, generation

    def redo(self):
        self._apply(self.new, self.generation)

    def undo(self):
        self._apply(self.old, self.generation)
