"""Qt-free training machinery: the trainer thread (commands in, snapshots out) and its history."""
