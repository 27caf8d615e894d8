"""The review's changes to the notes' Markdown: a line added to a section (in place of "None
recorded.", after the last item, under a new table head, or as a section added again), the
summary put first, and the transcript's section left out of what is published."""

from __future__ import annotations

from bot.notes.rules.edits import add_first, add_line, published

HEAD = "| No. | Item |\n| --- | --- |"
NOTES = ("# Call notes: INC-1, call 1\n\n- Chair: Ana\n\n## Decisions\n\nNone recorded.\n\n"
         "## Action items\n\n" + HEAD + "\n| A-1 | Cots |\n\n## What was said\n\n"
         "**Ana** (0:05)\n- [es] Hola\n\n## Next call\n\nNone scheduled.\n\n_Drafted by coordbot._\n")


def test_a_line_replaces_none_recorded():
    text = add_line(NOTES, "Decisions", "- Open the shelter")
    assert "## Decisions\n\n- Open the shelter\n\n## Action items" in text
    assert text.replace("- Open the shelter", "None recorded.") == NOTES


def test_a_line_goes_after_the_last_item_or_row():
    once = add_line(NOTES, "Decisions", "- First")
    twice = add_line(once, "decisions", "- Second\n  more")
    assert "- First\n- Second\n  more\n\n## Action items" in twice
    rows = add_line(NOTES, "Action items", "| A-2 | Water |", table_head=HEAD)
    assert f"{HEAD}\n| A-1 | Cots |\n| A-2 | Water |\n\n## What was said" in rows


def test_a_table_row_into_an_empty_section_gets_the_head():
    empty = NOTES.replace(HEAD + "\n| A-1 | Cots |", "None recorded.")
    assert f"## Action items\n\n{HEAD}\n| A-2 | Water |\n\n" in add_line(
        empty, "Action items", "| A-2 | Water |", table_head=HEAD)


def test_a_section_people_deleted_is_added_again_at_the_end():
    edited = "# Notes\n\nWe talked.\n"
    assert add_line(edited, "Decisions", "- Open") == "# Notes\n\nWe talked.\n\n## Decisions\n\n- Open\n"


def test_the_summary_goes_right_after_the_header_once():
    text = add_first(NOTES, "Summary (machine-written)", "> Short.")
    assert text.startswith("# Call notes: INC-1, call 1\n\n- Chair: Ana\n\n"
                           "## Summary (machine-written)\n\n> Short.\n\n## Decisions")
    again = add_first(text, "Summary (machine-written)", "> Shorter.")
    assert again.count("## Summary") == 1 and "> Shorter." in again


def test_the_transcript_is_left_out_unless_kept_and_the_rest_is_unchanged():
    left = published(NOTES, transcript_kept=False)
    assert "What was said" not in left and "[es] Hola" not in left
    assert left == NOTES.replace("## What was said\n\n**Ana** (0:05)\n- [es] Hola\n\n", "")
    assert published(NOTES, transcript_kept=True) == NOTES
    assert published("# N\n\nNo transcript.\n", transcript_kept=False) == "# N\n\nNo transcript.\n"
