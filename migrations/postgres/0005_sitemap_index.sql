-- Sitemap files cover fixed id ranges of published stories. This partial index lets a range be
-- counted, dated and listed in id order from the index alone, however large the archive. It
-- leads with `id` and holds published stories only, so it offers nothing to queries that look
-- stories up by status (an index leading with `status` made SQLite's planner drive section
-- listings from it, a thousand times slower).
-- Keep in step with the other backend's 0005_sitemap_index.sql.
CREATE INDEX articles_sitemap_idx ON articles (id, published_at, updated_at, slug)
    WHERE status = 'published';
