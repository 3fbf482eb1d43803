package dev.roundtrip.notes;

import java.util.List;

/** One page of notes, newest first; {@code nextCursor} is null on the last page. */
public record NotePage(List<Note> items, String nextCursor) {
}
