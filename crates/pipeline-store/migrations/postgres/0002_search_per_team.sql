-- Search within a few teams (a member's): each team's live pipelines newest first, by id (UUIDv7, creation
-- order), so a search reads each of the member's teams from its newest pipeline down and merges them (a Merge
-- Append that stops when the window is full), instead of walking the newest pipelines of every team and
-- discarding the other teams' (see src/postgres/search.rs).
CREATE INDEX pipelines_team_live_id ON pipelines (team_id, id DESC) WHERE deleted_at IS NULL;
