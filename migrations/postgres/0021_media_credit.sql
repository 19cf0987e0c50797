-- A photo credit on library items ("Photo: Jane Doe / Agency"), shown under the image and in
-- its JSON-LD.
ALTER TABLE media ADD COLUMN credit TEXT NOT NULL DEFAULT '';
