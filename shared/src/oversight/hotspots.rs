//! Hotspots (Art. 7): clusters of similar complaints in a window of China
//! days, ranked by size and then growth.
//!
//! Two complaints are **alike** when their texts (title and content) share
//! enough character pairs — Jaccard similarity of 2-character shingles at
//! least `min_similarity` — or, when they name the same place (a place word:
//! two characters before a place suffix such as 路, 小区, 村), at least the
//! lower `same_place_similarity`. The unit is not part of the test: the
//! same problem sent to two units is one hotspot, and unrelated complaints
//! about one unit are not. Clusters are the connected groups of alike
//! complaints; those of `min_cases` or more are hotspots. **Growth** is the
//! cluster's complaints in the later half of the window minus those in the
//! earlier half.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::base::db::Db;
use crate::base::fields::FieldError;
use crate::base::ids::CaseId;
use crate::case::stored::StoreError;
use crate::triage::filter::normalize;

/// How complaints are clustered, a county's to set (Art. 12; the
/// `hotspots` part of the `reminder` rules).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HotspotRules {
    /// How many alike complaints make a hotspot.
    pub min_cases: usize,
    /// Text similarity (0 to 1) at which two complaints are alike.
    pub min_similarity: f64,
    /// The lower similarity enough for two complaints naming one place.
    pub same_place_similarity: f64,
    /// What ends a place word (路, 小区, 村, …).
    pub place_suffixes: Vec<String>,
    /// The most complaints one request clusters (narrow the window or the
    /// county beyond it).
    pub max_complaints: usize,
}

impl Default for HotspotRules {
    fn default() -> Self {
        Self {
            min_cases: 3,
            min_similarity: 0.4,
            same_place_similarity: 0.2,
            place_suffixes: [
                "路", "街", "道", "巷", "大道", "小区", "社区", "花园", "家园", "苑", "村", "镇",
                "乡", "广场", "公园", "市场", "学校", "医院", "大厦", "号楼",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            max_complaints: 20_000,
        }
    }
}

impl HotspotRules {
    /// Checks the numbers.
    pub fn check(&self) -> Result<(), String> {
        if self.min_cases < 2 {
            return Err("hotspots.min_cases is at least 2".into());
        }
        for (name, v) in [
            ("min_similarity", self.min_similarity),
            ("same_place_similarity", self.same_place_similarity),
        ] {
            if !(v > 0.0 && v <= 1.0) {
                return Err(format!("hotspots.{name} is more than 0 and at most 1"));
            }
        }
        if self.place_suffixes.iter().any(|s| s.trim().is_empty()) {
            return Err("hotspots.place_suffixes holds no empty suffix".into());
        }
        if !(1..=200_000).contains(&self.max_complaints) {
            return Err("hotspots.max_complaints is 1 to 200000".into());
        }
        Ok(())
    }
}

/// One complaint as clustering sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Complaint {
    /// The case.
    pub case_id: CaseId,
    /// Its title (shown; its content is only compared).
    pub title: String,
    /// Title and content.
    pub text: String,
    /// Its lead unit, once routed.
    pub unit: Option<String>,
    /// Its county.
    pub county: String,
    /// Its China day of receipt.
    pub day: NaiveDate,
}

/// What a complaint is compared by.
#[derive(Debug, Clone)]
pub struct Profile {
    shingles: Vec<u32>,
    places: BTreeSet<String>,
}

/// Builds profiles, numbering shingles as it meets them.
#[derive(Debug, Default)]
pub struct Profiler {
    ids: HashMap<(char, char), u32>,
}

impl Profiler {
    /// The profile of one text.
    pub fn profile(&mut self, text: &str, rules: &HotspotRules) -> Profile {
        let chars: Vec<char> = normalize(text)
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        let mut shingles: Vec<u32> = chars
            .windows(2)
            .map(|w| {
                let next = self.ids.len() as u32;
                *self.ids.entry((w[0], w[1])).or_insert(next)
            })
            .collect();
        shingles.sort_unstable();
        shingles.dedup();
        Profile {
            shingles,
            places: places(&chars, rules),
        }
    }
}

/// The place words of a text: each place suffix with the two characters
/// before it (九州路, 花园小区), so the same place gives the same word.
fn places(chars: &[char], rules: &HotspotRules) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for suffix in &rules.place_suffixes {
        let s: Vec<char> = suffix.chars().collect();
        if s.is_empty() || chars.len() < s.len() + 2 {
            continue;
        }
        for end in (s.len() + 2)..=chars.len() {
            if chars[end - s.len()..end] == s[..] {
                let before = &chars[end - s.len() - 2..end - s.len()];
                if before.iter().all(|c| is_cjk(*c)) {
                    found.insert(chars[end - s.len() - 2..end].iter().collect());
                }
            }
        }
    }
    found
}

fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
}

/// Jaccard similarity of two sorted, deduplicated shingle lists.
fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - both;
    if union == 0 {
        0.0
    } else {
        both as f64 / union as f64
    }
}

/// Whether two complaints are alike (see the module's rule).
pub fn alike(a: &Profile, b: &Profile, rules: &HotspotRules) -> bool {
    let s = jaccard(&a.shingles, &b.shingles);
    s >= rules.min_similarity
        || (s >= rules.same_place_similarity && a.places.intersection(&b.places).next().is_some())
}

/// Groups `profiles` into clusters of alike ones (connected components);
/// each cluster lists indexes into `profiles`, in order.
pub fn clusters(profiles: &[Profile], rules: &HotspotRules) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..profiles.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    // Candidates share at least one shingle that is not everywhere; a
    // shingle in more than a quarter of many complaints (and in at least
    // 50) says nothing about a hotspot and is skipped when looking for
    // candidates (still counted in the similarity).
    let common = (profiles.len() / 4).max(50);
    let mut postings: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, p) in profiles.iter().enumerate() {
        for s in &p.shingles {
            postings.entry(*s).or_default().push(i);
        }
    }
    let mut seen = vec![usize::MAX; profiles.len()];
    for (i, p) in profiles.iter().enumerate() {
        for s in &p.shingles {
            let Some(list) = postings.get(s) else {
                continue;
            };
            if list.len() > common {
                continue;
            }
            for &j in list.iter().take_while(|&&j| j < i) {
                if seen[j] == i {
                    continue;
                }
                seen[j] = i;
                if alike(p, &profiles[j], rules) {
                    let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                    if a != b {
                        parent[a.max(b)] = a.min(b);
                    }
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..profiles.len() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    groups.into_values().collect()
}

/// One complaint of a hotspot, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Member {
    /// The case.
    pub case_id: CaseId,
    /// Its title.
    pub title: String,
    /// Its lead unit, once routed.
    pub unit: Option<String>,
    /// Its China day of receipt.
    pub received_on: NaiveDate,
}

/// A hotspot: alike complaints, with where and whom they concern.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hotspot {
    /// Stable while its first complaint stays in it: `h` and that case id.
    pub id: String,
    /// How many complaints.
    pub size: usize,
    /// Complaints in the later half of the window.
    pub recent: usize,
    /// Complaints in the earlier half.
    pub earlier: usize,
    /// `recent` − `earlier`.
    pub growth: i64,
    /// The units the complaints went to.
    pub units: Vec<String>,
    /// The counties they came from.
    pub counties: Vec<String>,
    /// Place words most of them name.
    pub places: Vec<String>,
    /// The complaints, in order of receipt.
    pub cases: Vec<Member>,
}

/// The window and its filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The first day (China time).
    pub from: NaiveDate,
    /// The last day, included.
    pub to: NaiveDate,
    /// Only this county.
    pub county: Option<String>,
}

impl Window {
    /// Reads `from` and `to` (required, `from` ≤ `to`, at most a year) and
    /// `county`; every bad one named.
    pub fn from_query(q: &BTreeMap<String, String>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut date = |name: &str| match q.get(name).map(|v| crate::base::clock::day(v)) {
            Some(Some(d)) => Some(d),
            Some(None) => {
                errors.push(FieldError::new(name, "invalid", "a date, YYYY-MM-DD"));
                None
            }
            None => {
                errors.push(FieldError::new(name, "missing", "a date, YYYY-MM-DD"));
                None
            }
        };
        let (from, to) = (date("from"), date("to"));
        if let (Some(f), Some(t)) = (from, to) {
            if f > t || (t - f).num_days() > 366 {
                errors.push(FieldError::new(
                    "to",
                    "invalid",
                    "on or after from, within a year",
                ));
            }
        }
        match (from, to) {
            (Some(from), Some(to)) if errors.is_empty() => Ok(Self {
                from,
                to,
                county: q.get("county").filter(|v| !v.trim().is_empty()).cloned(),
            }),
            _ => Err(errors),
        }
    }
}

/// Why hotspots cannot be given.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HotspotError {
    /// Only the bureau and supervisors read hotspots.
    #[error("the {0} role reads no hotspots")]
    Role(crate::case::words::Role),
    /// More complaints than one request clusters.
    #[error("{found} complaints in the window, more than the {max} one request clusters: narrow from/to or give a county")]
    TooMany {
        /// Complaints found (at least).
        found: usize,
        /// The county's limit.
        max: usize,
    },
    /// Reading failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<crate::base::db::DbError> for HotspotError {
    fn from(e: crate::base::db::DbError) -> Self {
        Self::Store(e.into())
    }
}

/// The complaints clustering looks at: accepted complaints (not rejected,
/// not waiting for screening's decision, not merged repeats) received in
/// `[from, to]`, China days, oldest first.
pub fn complaints(
    db: &impl Db,
    from: NaiveDate,
    to: NaiveDate,
    county: Option<&str>,
    limit: usize,
) -> Result<Vec<Complaint>, HotspotError> {
    let end = to.succ_opt().unwrap_or(to).to_string();
    let rows = db.execute(
        "SELECT id, title, content, lead_unit, county, substr(received_at, 1, 10) AS day
         FROM cases
         WHERE received_at >= ?1 AND received_at < ?2 AND kind = 'complaint'
           AND merged_into IS NULL AND status NOT IN ('rejected', 'screening', 'received')
           AND (?3 IS NULL OR county = ?3)
         ORDER BY received_at, id LIMIT ?4",
        &[
            from.to_string().into(),
            end.into(),
            county.into(),
            i64::try_from(limit.saturating_add(1))
                .unwrap_or(i64::MAX)
                .into(),
        ],
    )?;
    if rows.rows.len() > limit {
        return Err(HotspotError::TooMany {
            found: rows.rows.len(),
            max: limit,
        });
    }
    rows.iter()
        .map(|r| {
            let title = r.text("title")?.to_string();
            Ok(Complaint {
                case_id: CaseId::new(r.integer("id")?).map_err(|_| {
                    crate::base::db::DbError::Statement("a case id that is not positive".into())
                })?,
                text: format!("{title}。{}", r.text("content")?),
                title,
                unit: r.opt_text("lead_unit")?.map(str::to_string),
                county: r.text("county")?.to_string(),
                day: r.text("day")?.parse().map_err(|_| {
                    crate::base::db::DbError::Statement("a received_at that is no date".into())
                })?,
            })
        })
        .collect::<Result<_, crate::base::db::DbError>>()
        .map_err(HotspotError::from)
}

/// The hotspots among `complaints` for the window `[from, to]`, largest
/// first, then fastest growing.
pub fn find(
    complaints: &[Complaint],
    from: NaiveDate,
    to: NaiveDate,
    rules: &HotspotRules,
) -> Vec<Hotspot> {
    let mut profiler = Profiler::default();
    let profiles: Vec<Profile> = complaints
        .iter()
        .map(|c| profiler.profile(&c.text, rules))
        .collect();
    // The later half starts at the middle day (the later half of an odd
    // number of days is the shorter).
    let days = (to - from).num_days() + 1;
    let middle = from + chrono::Duration::days(days / 2 + days % 2);
    let mut found: Vec<Hotspot> = clusters(&profiles, rules)
        .into_iter()
        .filter(|members| members.len() >= rules.min_cases)
        .map(|members| {
            let recent = members
                .iter()
                .filter(|&&i| complaints[i].day >= middle)
                .count();
            let earlier = members.len() - recent;
            let set = |f: &dyn Fn(&Complaint) -> Option<String>| -> Vec<String> {
                members
                    .iter()
                    .filter_map(|&i| f(&complaints[i]))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect()
            };
            let mut place_counts: BTreeMap<&String, usize> = BTreeMap::new();
            for &i in &members {
                for p in &profiles[i].places {
                    *place_counts.entry(p).or_default() += 1;
                }
            }
            Hotspot {
                id: format!("h{}", complaints[members[0]].case_id),
                size: members.len(),
                recent,
                earlier,
                growth: recent as i64 - earlier as i64,
                units: set(&|c| c.unit.clone()),
                counties: set(&|c| Some(c.county.clone())),
                places: place_counts
                    .into_iter()
                    .filter(|(_, n)| n * 2 > members.len())
                    .map(|(p, _)| p.clone())
                    .collect(),
                cases: members
                    .iter()
                    .map(|&i| Member {
                        case_id: complaints[i].case_id,
                        title: complaints[i].title.clone(),
                        unit: complaints[i].unit.clone(),
                        received_on: complaints[i].day,
                    })
                    .collect(),
            }
        })
        .collect();
    found.sort_by(|a, b| b.size.cmp(&a.size).then(b.growth.cmp(&a.growth)));
    found
}

/// The hotspots of a window as the bureau and supervisors read them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The first day.
    pub from: NaiveDate,
    /// The last day, included.
    pub to: NaiveDate,
    /// How many complaints were looked at.
    pub complaints: usize,
    /// The hotspots, largest first, then fastest growing.
    pub hotspots: Vec<Hotspot>,
}

/// The hotspots of `window`, for the bureau and supervisors.
pub fn report(
    db: &impl Db,
    who: &crate::access::Principal,
    window: &Window,
    rules: &HotspotRules,
) -> Result<Report, HotspotError> {
    use crate::case::words::Role;
    if !matches!(who.role, Role::Bureau | Role::Supervisor) {
        return Err(HotspotError::Role(who.role));
    }
    let found = complaints(
        db,
        window.from,
        window.to,
        window.county.as_deref(),
        rules.max_complaints,
    )?;
    Ok(Report {
        from: window.from,
        to: window.to,
        complaints: found.len(),
        hotspots: find(&found, window.from, window.to, rules),
    })
}

/// Of `candidates`, those alike to at least one of `cluster` (a
/// rectification item's complaints): what joined the hotspot since.
pub fn joining<'a>(
    cluster: &[Complaint],
    candidates: &'a [Complaint],
    rules: &HotspotRules,
) -> Vec<&'a Complaint> {
    let mut profiler = Profiler::default();
    let known: Vec<Profile> = cluster
        .iter()
        .map(|c| profiler.profile(&c.text, rules))
        .collect();
    let ids: BTreeSet<CaseId> = cluster.iter().map(|c| c.case_id).collect();
    candidates
        .iter()
        .filter(|c| !ids.contains(&c.case_id))
        .filter(|c| {
            let p = profiler.profile(&c.text, rules);
            known.iter().any(|k| alike(k, &p, rules))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! Hotspots: planted alike complaints cluster across units; unrelated
    //! complaints to one unit do not.

    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("day")
    }

    fn complaint(id: i64, unit: &str, on: &str, title: &str, content: &str) -> Complaint {
        Complaint {
            case_id: CaseId::new(id).expect("id"),
            title: title.into(),
            text: format!("{title}。{content}"),
            unit: Some(unit.into()),
            county: "410611000".into(),
            day: day(on),
        }
    }

    /// Four complaints about night building work on 九州路, to two units, and
    /// four unrelated complaints to the first of them.
    fn planted() -> Vec<Complaint> {
        vec![
            complaint(
                1,
                "qibin-environment",
                "2026-11-02",
                "九州路工地夜间施工噪音扰民",
                "九州路与淇河路交叉口的工地每天夜里施工到凌晨，噪音很大，影响休息，请处理。",
            ),
            complaint(
                2,
                "qibin-urban",
                "2026-11-03",
                "九州路工地半夜施工",
                "九州路交叉口工地半夜还在施工，噪音扰民，无法入睡，请尽快处理。",
            ),
            complaint(
                3,
                "qibin-urban",
                "2026-11-05",
                "路灯不亮",
                "黄河路的路灯坏了一周，夜里出行不便。",
            ),
            complaint(
                4,
                "qibin-urban",
                "2026-11-06",
                "垃圾清运不及时",
                "小区门口垃圾桶满了三天没人清运，气味难闻。",
            ),
            complaint(
                5,
                "qibin-environment",
                "2026-11-20",
                "夜间施工噪音",
                "九州路那个工地夜间施工噪音太大了，每天到凌晨，影响居民休息。",
            ),
            complaint(
                6,
                "qibin-urban",
                "2026-11-24",
                "占道经营",
                "华夏南路早市摊贩占道经营，车辆无法通行。",
            ),
            complaint(
                7,
                "qibin-urban",
                "2026-11-25",
                "九州路工地凌晨施工扰民",
                "九州路工地凌晨施工，噪音扰民，多次反映无果，请相关部门处理。",
            ),
            complaint(
                8,
                "qibin-urban",
                "2026-11-26",
                "井盖缺失",
                "朝歌路人行道井盖缺失，存在安全隐患。",
            ),
        ]
    }

    #[test]
    fn alike_complaints_to_two_units_make_one_hotspot_and_unrelated_ones_to_the_same_unit_none() {
        let rules = HotspotRules::default();
        let found = find(&planted(), day("2026-11-01"), day("2026-11-30"), &rules);
        assert_eq!(found.len(), 1, "{found:#?}");
        let h = &found[0];
        let ids: Vec<i64> = h.cases.iter().map(|m| m.case_id.get()).collect();
        assert_eq!(ids, vec![1, 2, 5, 7]);
        assert_eq!(h.id, "h1");
        assert_eq!(h.units, vec!["qibin-environment", "qibin-urban"]);
        assert_eq!(h.places, vec!["九州路"]);
        // 11-01..11-15 earlier, 11-16..11-30 recent: 2 and 2.
        assert_eq!((h.earlier, h.recent, h.growth), (2, 2, 0));
    }

    #[test]
    fn fewer_alike_complaints_than_the_countys_minimum_are_no_hotspot() {
        let rules = HotspotRules {
            min_cases: 5,
            ..HotspotRules::default()
        };
        assert_eq!(
            find(&planted(), day("2026-11-01"), day("2026-11-30"), &rules),
            vec![]
        );
    }

    #[test]
    fn hotspots_rank_by_size_then_by_growth() {
        let mut cases = planted();
        // A second cluster of three, all recent: smaller than the first.
        for (id, on) in [(11, "2026-11-27"), (12, "2026-11-28"), (13, "2026-11-29")] {
            cases.push(complaint(
                id,
                "qibin-water",
                on,
                "淇滨花园小区停水",
                "淇滨花园小区从昨天起停水，没有通知，居民生活受影响，请尽快恢复供水。",
            ));
        }
        let found = find(
            &cases,
            day("2026-11-01"),
            day("2026-11-30"),
            &HotspotRules::default(),
        );
        let order: Vec<(&str, usize, i64)> = found
            .iter()
            .map(|h| (h.id.as_str(), h.size, h.growth))
            .collect();
        assert_eq!(order, vec![("h1", 4, 0), ("h11", 3, 3)]);
        // Same size: the faster growing first.
        cases.push(complaint(
            14,
            "qibin-water",
            "2026-11-30",
            "淇滨花园小区又停水",
            "淇滨花园小区今天又停水了，没有任何通知，请尽快恢复供水。",
        ));
        let found = find(
            &cases,
            day("2026-11-01"),
            day("2026-11-30"),
            &HotspotRules::default(),
        );
        assert_eq!(found[0].id, "h11");
        assert_eq!((found[0].size, found[0].growth), (4, 4));
    }

    #[test]
    fn the_same_place_lowers_the_similarity_two_complaints_need() {
        let rules = HotspotRules::default();
        let mut profiler = Profiler::default();
        let a = profiler.profile("九州路工地夜间施工噪音扰民，请处理。", &rules);
        let b = profiler.profile("九州路工地夜里施工太吵，无法休息。", &rules);
        let c = profiler.profile("黄河路工地夜里施工太吵，无法休息。", &rules);
        let sim = jaccard(&a.shingles, &b.shingles);
        assert!(
            sim >= rules.same_place_similarity && sim < rules.min_similarity,
            "{sim}"
        );
        assert!(alike(&a, &b, &rules));
        assert!(!alike(&a, &c, &rules), "another road, the same words");
    }

    #[test]
    fn a_new_complaint_joins_an_items_cluster_when_it_is_alike_to_one_of_its_complaints() {
        let rules = HotspotRules::default();
        let all = planted();
        let cluster: Vec<Complaint> = all
            .iter()
            .filter(|c| [1, 2].contains(&c.case_id.get()))
            .cloned()
            .collect();
        let joined: Vec<i64> = joining(&cluster, &all, &rules)
            .iter()
            .map(|c| c.case_id.get())
            .collect();
        assert_eq!(joined, vec![5, 7]);
    }

    #[test]
    fn rules_with_a_minimum_below_two_or_a_similarity_outside_0_to_1_are_refused() {
        for bad in [
            HotspotRules {
                min_cases: 1,
                ..HotspotRules::default()
            },
            HotspotRules {
                min_similarity: 0.0,
                ..HotspotRules::default()
            },
            HotspotRules {
                same_place_similarity: 1.5,
                ..HotspotRules::default()
            },
            HotspotRules {
                place_suffixes: vec![" ".into()],
                ..HotspotRules::default()
            },
        ] {
            assert!(bad.check().is_err(), "{bad:?}");
        }
        assert_eq!(HotspotRules::default().check(), Ok(()));
    }

    #[test]
    fn only_accepted_complaints_of_the_window_are_clustered_and_a_window_too_full_is_refused() {
        use crate::base::test_support::{seeded_db, store_case};
        use serde_json::json;
        let db = seeded_db();
        let body = |kind: &str| {
            json!({"channel": "hotline_web", "kind": kind, "title": "九州路施工噪音",
               "content": "九州路工地夜间施工噪音扰民，请处理。", "county": "410611000",
               "submitter": {"type": "individual", "name": "张三", "phone": "13812345678"}})
        };
        let a = store_case(&db, 1, body("complaint"), "2026-11-02T10:00:00+08:00");
        let b = store_case(&db, 2, body("complaint"), "2026-11-03T23:30:00+08:00");
        let _consultation = store_case(&db, 3, body("consultation"), "2026-11-03T10:00:00+08:00");
        let _late = store_case(&db, 4, body("complaint"), "2026-12-01T00:10:00+08:00");
        let rejected = store_case(&db, 5, body("complaint"), "2026-11-04T10:00:00+08:00");
        db.execute(
            "UPDATE cases SET status = CASE WHEN id = ? THEN 'rejected' ELSE 'handling' END",
            &[rejected.get().into()],
        )
        .expect("statuses");
        let found = complaints(&db, day("2026-11-01"), day("2026-11-30"), None, 100).expect("read");
        let ids: Vec<CaseId> = found.iter().map(|c| c.case_id).collect();
        assert_eq!(ids, vec![a, b]);
        assert_eq!(found[1].day, day("2026-11-03"), "China day of receipt");
        assert_eq!(
            complaints(&db, day("2026-11-01"), day("2026-11-30"), None, 1),
            Err(HotspotError::TooMany { found: 2, max: 1 })
        );
        assert_eq!(
            complaints(
                &db,
                day("2026-11-01"),
                day("2026-11-30"),
                Some("410621000"),
                100
            )
            .map(|c| c.len()),
            Ok(0)
        );
    }

    #[test]
    fn the_shipped_hotspot_rules_are_the_defaults() {
        assert_eq!(
            crate::oversight::reminder::ScanRules::defaults().hotspots,
            HotspotRules::default()
        );
    }
}
