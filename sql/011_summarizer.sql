-- 011: which summarizer wrote a summary (contract section 3, issue 16).
--
-- conversation_summaries.summarizer names the summarizer and the version of
-- its rules that wrote the row's version: 'rules-<n>' (src/text/summarizer.c,
-- CT_SUMMARIZER_NAME) or 'llm:<model>'.  Rows written before this column
-- existed keep NULL: they were written by the first rules ('rules-1').  It
-- is not part of value_json: a new rule version writes a new summary version
-- only where the summary's value changed (rule 7), and `convtrack
-- resummarize` recomputes stored summaries with the current rules.

ALTER TABLE conversation_summaries ADD COLUMN IF NOT EXISTS summarizer text;

COMMENT ON COLUMN conversation_summaries.summarizer IS
    'The summarizer and rule version that wrote this version (rules-<n> or '
    'llm:<model>); NULL: written before the column existed (rules-1).';
