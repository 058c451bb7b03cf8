-- An applicant checks the decision on their application with the receipt they got when applying: a
-- random secret, kept only as its SHA-256, as API tokens are.
alter table membership_application add column receipt_hash bytea unique check (length(receipt_hash) = 32);
