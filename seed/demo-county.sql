-- The demo county (Hebi: 淇滨区 410611000 and 浚县 410621000): a deployment
-- seed, loaded only when asked for:
--
--     cargo run --release -p runner -- up --build --sqlite @seed/demo-county.sql
--
-- A county writes its own seed in the same form (docs/deployment.md). Spin
-- runs a `--sqlite @FILE` against the default database on every start,
-- before serving, so every statement here may run again: the tables are
-- created only if missing and a row already seeded is left as it is (a unit
-- the bureau renamed or retired since stays so).
--
-- seed_units: the handling units (承办单位) cases are sent to; one unit of
-- each unit type per county (the routing table names unit types).
CREATE TABLE IF NOT EXISTS seed_units (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    county TEXT NOT NULL,
    unit_type TEXT NOT NULL
);
-- seed_rules: a county's first rules of a family (deadlines, filter,
-- routing, intake, reminder; calendar with the year as key), the same JSON
-- as PUT /api/admin/rules/{family}. The demo county keeps the shipped ones
-- but for the intake rules, which name its counties (at the end).
CREATE TABLE IF NOT EXISTS seed_rules (
    family TEXT NOT NULL,
    key TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    PRIMARY KEY (family, key)
);
INSERT OR IGNORE INTO seed_units (id, name, county, unit_type) VALUES
    ('qibin-housing', '淇滨区住房和城乡建设局', '410611000', 'housing'),
    ('qibin-urban', '淇滨区城市管理局', '410611000', 'urban_management'),
    ('qibin-environment', '鹤壁市生态环境局淇滨分局', '410611000', 'environment'),
    ('qibin-hr', '淇滨区人力资源和社会保障局', '410611000', 'human_resources'),
    ('qibin-market', '淇滨区市场监督管理局', '410611000', 'market_regulation'),
    ('qibin-transport', '淇滨区交通运输局', '410611000', 'transport'),
    ('qibin-water', '淇滨区水利局', '410611000', 'water'),
    ('junxian-housing', '浚县住房和城乡建设局', '410621000', 'housing'),
    ('junxian-urban', '浚县城市管理局', '410621000', 'urban_management'),
    ('junxian-environment', '鹤壁市生态环境局浚县分局', '410621000', 'environment'),
    ('junxian-hr', '浚县人力资源和社会保障局', '410621000', 'human_resources'),
    ('junxian-market', '浚县市场监督管理局', '410621000', 'market_regulation'),
    ('junxian-transport', '浚县交通运输局', '410621000', 'transport'),
    ('junxian-water', '浚县水利局', '410621000', 'water');

-- The intake rules with the counties' names, which the submission form
-- lists (GET /api/counties); the rest as shipped.
INSERT OR IGNORE INTO seed_rules (family, key, body) VALUES ('intake', '', '{"about": "Intake rules of the demo county: the shipped ones (shared/config/intake.json), with the names citizens pick the county by.", "public_submissions_per_minute": 20, "hall_opening_hours": [{"from": "09:00", "to": "12:00"}, {"from": "13:00", "to": "17:00"}], "tracking": {"window_minutes": 15, "per_client": 200, "per_code_and_client": 5, "per_code": 10, "slowed_interval_seconds": 30}, "county_names": {"410611000": "鹤壁市淇滨区", "410621000": "鹤壁市浚县"}}');
