-- Catalog lists (issue 19): the title and requirement count of each edition kept beside its
-- document, so a list of editions reads a few short columns instead of parsing every
-- document (an imported SP 800-53 edition is several megabytes of JSON). Written with the
-- document on import; filled here from the documents already stored, the one time an
-- edition's row changes (the immutability trigger is lifted for this statement only).
ALTER TABLE catalogs ADD COLUMN title_ja TEXT NOT NULL DEFAULT '';
ALTER TABLE catalogs ADD COLUMN title_en TEXT NOT NULL DEFAULT '';
ALTER TABLE catalogs ADD COLUMN requirements BIGINT NOT NULL DEFAULT 0;
DROP TRIGGER catalogs_no_change ON catalogs;
UPDATE catalogs SET
    title_ja = COALESCE(document::jsonb -> 'title' ->> 'ja', ''),
    title_en = COALESCE(document::jsonb -> 'title' ->> 'en', ''),
    requirements = (
        SELECT COUNT(*) FROM jsonb_array_elements(document::jsonb -> 'sections') s,
            jsonb_array_elements(COALESCE(s.value -> 'requirements', '[]'::jsonb)) r
    );
CREATE TRIGGER catalogs_no_change BEFORE UPDATE OR DELETE ON catalogs
FOR EACH ROW EXECUTE FUNCTION posture_append_only();
