-- For You's ranking as a function, so each server connection plans it once: planning the statement
-- cost 3-6 ms a request, as much as running it (docs/for-you.md, "Where the time goes"). A plpgsql
-- statement's plan is cached for the connection's life, and a generic plan is forced because this
-- one does not depend on the values (measured: 6.2 ms signed in and 4.3 ms by device, against 13.2
-- and 8.3 planned each time). Hyperdrive and PgBouncer 1.18 both reuse server connections, so the
-- plan outlives the request; neither needs to carry a prepared statement.
-- The TypeScript side (workers/api/feed/for-you-store.ts) documents the signals; what is visible
-- mirrors workers/api/reels/reel-cards.ts (VISIBLE, LISTED_TO_FOLLOWER, notBlockedBy), and the
-- constants mirror that module's: a quick skip ends before 2,000 ms, a fresh reel has fewer than 20
-- plays, 100 co-watched candidates, a quality prior of 0.3 over 10 plays, 150 candidates returned.
CREATE FUNCTION "for_you_candidates"(p_key text, p_me uuid, p_exclude uuid[])
RETURNS TABLE (id uuid, author_id uuid, sources text[], score float8)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
RETURN QUERY
WITH hist AS (
  SELECT pv.reel_id, pv.completed, pv.watched_ms, pv.ended_at, pv.started_at, r.author_id, r.hashtags, r.duration_ms
  FROM playback_views pv JOIN reels r ON r.id = pv.reel_id
  WHERE pv.viewer = p_key AND pv.started_at > now() - interval '30 days'
  ORDER BY pv.started_at DESC LIMIT 300),
sig AS (
  -- What each thing the viewer did says of a creator and a reel's hashtags: watch-through (loops up
  -- to three times), more for completing, a quick skip against; a like, a comment, a share (more than a
  -- like: passing a reel on says most); "not interested" hard against.
  SELECT h.author_id, h.hashtags,
         CASE WHEN NOT h.completed AND h.ended_at IS NOT NULL AND h.watched_ms < 2000 THEN -1.0::float8
              ELSE LEAST(h.watched_ms::float8 / GREATEST(COALESCE(h.duration_ms, 15000), 1000), 3) + CASE WHEN h.completed THEN 0.5 ELSE 0 END
         END AS v
  FROM hist h
  UNION ALL
  (SELECT r.author_id, r.hashtags, 1.5 FROM likes l JOIN reels r ON r.id = l.reel_id
   WHERE l.user_id = p_me ORDER BY l.created_at DESC LIMIT 200)
  UNION ALL
  (SELECT r.author_id, r.hashtags, 1.0 FROM comments cm JOIN reels r ON r.id = cm.reel_id
   WHERE cm.author_id = p_me ORDER BY cm.id DESC LIMIT 200)
  UNION ALL
  (SELECT sh.author_id, sh.hashtags, 2.0 FROM reel_shares sh WHERE sh.viewer = p_key ORDER BY sh.created_at DESC LIMIT 100)
  UNION ALL
  (SELECT n.author_id, n.hashtags, -5.0 FROM not_interested n WHERE n.viewer = p_key ORDER BY n.created_at DESC LIMIT 200)),
creators AS (SELECT s.author_id, sum(s.v) AS a FROM sig s GROUP BY s.author_id),
tags AS (SELECT tag, sum(s.v) AS a FROM sig s CROSS JOIN unnest(s.hashtags) AS tag GROUP BY tag),
-- The same as one object (tag -> bounded affinity): each candidate looks its two or three tags up
-- in it, where a subquery over the tags would scan them all once per candidate.
tagmap AS (SELECT COALESCE(jsonb_object_agg(t.tag, tanh(t.a / 3)), '{}'::jsonb) AS m FROM tags t),
seen AS (
  SELECT pv.reel_id FROM playback_views pv
  WHERE pv.viewer = p_key AND pv.started_at > now() - interval '1 day' AND (pv.completed OR pv.started_at > now() - interval '2 hours')
  UNION SELECT n.reel_id FROM not_interested n WHERE n.viewer = p_key
  UNION SELECT unnest(p_exclude)),
cand AS (
  (SELECT r.id, 'following' AS src FROM follows f CROSS JOIN LATERAL (
     SELECT r.id FROM reels r WHERE r.author_id = f.followee_id
       AND r.media_status IN ('playable', 'ready') AND r.hidden_at IS NULL
       AND (r.visibility = 'public' OR (r.visibility = 'followers' AND EXISTS (SELECT 1 FROM users a WHERE a.id = r.author_id AND a.private)))
       AND r.created_at > now() - interval '30 days'
     ORDER BY r.id DESC LIMIT 10) r
   WHERE f.follower_id = p_me LIMIT 100)
  UNION ALL
  (SELECT r.id, 'creator' FROM (SELECT c.author_id FROM creators c WHERE c.a > 0 ORDER BY c.a DESC, c.author_id LIMIT 12) c CROSS JOIN LATERAL (
     SELECT r.id FROM reels r WHERE r.author_id = c.author_id
       AND r.media_status IN ('playable', 'ready') AND r.hidden_at IS NULL AND r.visibility = 'public'
       AND NOT EXISTS (SELECT 1 FROM seen WHERE seen.reel_id = r.id)
     ORDER BY r.id DESC LIMIT 8) r)
  UNION ALL
  (SELECT r.id, 'hashtag' FROM (SELECT t.tag FROM tags t WHERE t.a > 0 ORDER BY t.a DESC, t.tag LIMIT 8) t CROSS JOIN LATERAL (
     SELECT r.id FROM reel_hashtags h JOIN reels r ON r.id = h.reel_id
     WHERE h.tag = t.tag
       AND r.media_status IN ('playable', 'ready') AND r.hidden_at IS NULL AND r.visibility = 'public'
       AND NOT EXISTS (SELECT 1 FROM seen WHERE seen.reel_id = r.id)
     ORDER BY h.reel_id DESC LIMIT 12) r)
  UNION ALL
  -- The reels most of those peers completed, 100 of them: the rest are one peer's taste, and
  -- scoring every one (up to 2,000 rows) cost more than the whole of the other sources.
  (SELECT co.reel_id, 'cowatched' FROM (
     SELECT theirs.reel_id FROM (SELECT h.reel_id FROM hist h WHERE h.completed LIMIT 10) mine
     CROSS JOIN LATERAL (SELECT p.viewer FROM playback_views p WHERE p.reel_id = mine.reel_id AND p.completed AND p.counted
                         AND p.viewer <> p_key ORDER BY p.started_at DESC LIMIT 20) peer
     CROSS JOIN LATERAL (SELECT p2.reel_id FROM playback_views p2 WHERE p2.viewer = peer.viewer AND p2.completed
                         ORDER BY p2.started_at DESC LIMIT 10) theirs
     GROUP BY theirs.reel_id ORDER BY count(*) DESC, theirs.reel_id DESC LIMIT 100) co)
  UNION ALL
  (SELECT t.reel_id, 'trending' FROM trending_reels t WHERE t.epoch_id = (SELECT max(e.id) FROM trending_epochs e) ORDER BY t.rank LIMIT 80)
  UNION ALL
  (SELECT r.id, 'fresh' FROM reels r LEFT JOIN reel_scores s ON s.reel_id = r.id
   WHERE r.media_status IN ('playable', 'ready') AND r.hidden_at IS NULL AND r.visibility = 'public'
     AND r.created_at > now() - interval '3 days' AND COALESCE(s.plays, 0) < 20
   ORDER BY r.created_at DESC LIMIT 60)),
pool AS (SELECT c.id, array_agg(DISTINCT c.src) AS sources FROM cand c GROUP BY c.id)
SELECT r.id, r.author_id, p.sources,
  ( 3.0 * tanh(COALESCE(c.a, 0) / 3)
  + 1.5 * GREATEST(-2, LEAST(2, COALESCE((SELECT sum((tm.m ->> h)::float8) FROM unnest(r.hashtags) AS h), 0)))
  + CASE WHEN 'following' = ANY(p.sources) THEN 1.5 ELSE 0 END
  + CASE WHEN 'cowatched' = ANY(p.sources) THEN 0.75 ELSE 0 END
  -- Quality: completion among all viewers (smoothed toward the prior), less their quick skips.
  + 4.0 * ((COALESCE(s.completions, 0) + 3.0::float8) / (COALESCE(s.plays, 0) + 10.0::float8) - 0.3::float8)
  - 2.0 * (COALESCE(s.quick_skips, 0)::float8 / (COALESCE(s.plays, 0) + 10.0::float8))
  -- Passed on by its viewers' accounts: up to +2 for a reel one play in four ends in a share.
  + 8.0 * LEAST(COALESCE(s.shares, 0)::float8 / (COALESCE(s.plays, 0) + 10.0::float8), 0.25)
  + 0.5 * exp(-extract(epoch FROM now() - r.created_at) / (3 * 86400))
  -- A little of each viewer's own chance, the same on every page, so equals are not always met in one order.
  + 0.3 * ((hashtext(p_key || r.id::text) & 1023) / 1023.0)
  )::float8 AS score
FROM pool p JOIN reels r ON r.id = p.id CROSS JOIN tagmap tm
LEFT JOIN creators c ON c.author_id = r.author_id
LEFT JOIN reel_scores s ON s.reel_id = r.id
WHERE NOT EXISTS (SELECT 1 FROM seen WHERE seen.reel_id = r.id)
  AND ((r.media_status IN ('playable', 'ready') AND r.hidden_at IS NULL AND r.visibility = 'public')
       OR ('following' = ANY(p.sources) AND r.media_status IN ('playable', 'ready') AND r.hidden_at IS NULL
           AND (r.visibility = 'public' OR (r.visibility = 'followers' AND EXISTS (SELECT 1 FROM users a WHERE a.id = r.author_id AND a.private)))))
  AND (p_me IS NULL OR NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = r.author_id AND b.blocked_id = p_me))
  AND r.author_id IS DISTINCT FROM p_me
ORDER BY score DESC LIMIT 150;
END
$$;
