-- Placeholder for migration 007, which the funding-status change adds on its own branch: tern refuses a
-- gap in the numbers, so 008 needs a 007 to run. At the merge the real 007 replaces this file.
select 1;
