//! The provisions of the measures that allow a move, as a type: a move
//! cites [`Article`]s, never free text, so a citation cannot be misspelt and
//! every provision the code relies on can be listed (`docs/rules.md`).

use std::fmt;

use serde::{Serialize, Serializer};

/// One provision of the Hebi measures (2020) that the system implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Article {
    /// Art. 2: the three channels and who may use them.
    Channels,
    /// Art. 3: the platform forwards every case to the unit it belongs to.
    Forwarding,
    /// Art. 4: the bureau coordinates, supervises and decides.
    Coordination,
    /// Art. 5: what is not accepted, in four categories.
    Screening,
    /// Art. 6: locality first, the competent authority is responsible.
    Dispatch,
    /// Art. 6(一).1: the online platform's 1-5-15 time limits.
    OnlineLimits,
    /// Art. 6(一).2: the unit leader's review, then the bureau's QC.
    ReplyAndQc,
    /// Art. 6(一).3: follow-up of the online platform's cases.
    OnlineFollowUp,
    /// Art. 6(二).1(1): 即办, answered by the agent at once.
    Immediate,
    /// Art. 6(二).1(2): 直办, a three-way call answered by the unit.
    Direct,
    /// Art. 6(二).1(3): 转办, transfer; misconduct clues go out.
    Transfer,
    /// Art. 6(二).1(4): 协办, a lead unit and co-units; extensions.
    Joint,
    /// Art. 6(二).1(5): 呈办, a special report to the city government.
    Escalation,
    /// Art. 6(二).1(6): 催办, urging overdue cases.
    Urging,
    /// Art. 6(二).3: phone follow-up and review requests (复查、复核).
    Review,
    /// Art. 6(三): the service hall's desk.
    Hall,
    /// Art. 7: strongly reflected, concentrated complaints.
    Hotspots,
    /// Art. 8: the city's service supervisors.
    Supervision,
    /// Art. 9: yearly scoring and periodic statistics.
    Statistics,
    /// Art. 10: every unit checks the system every working day.
    DailyCheck,
    /// Art. 11: personal data and trade secrets are protected.
    Privacy,
    /// Art. 12: counties may set their own measures.
    CountyMeasures,
}

impl Article {
    /// Every provision, in the order of the measures.
    pub const ALL: &'static [Article] = &[
        Self::Channels,
        Self::Forwarding,
        Self::Coordination,
        Self::Screening,
        Self::Dispatch,
        Self::OnlineLimits,
        Self::ReplyAndQc,
        Self::OnlineFollowUp,
        Self::Immediate,
        Self::Direct,
        Self::Transfer,
        Self::Joint,
        Self::Escalation,
        Self::Urging,
        Self::Review,
        Self::Hall,
        Self::Hotspots,
        Self::Supervision,
        Self::Statistics,
        Self::DailyCheck,
        Self::Privacy,
        Self::CountyMeasures,
    ];

    /// How the provision is cited, e.g. `Art. 6(二).1(4)`.
    pub fn cite(self) -> &'static str {
        match self {
            Self::Channels => "Art. 2",
            Self::Forwarding => "Art. 3",
            Self::Coordination => "Art. 4",
            Self::Screening => "Art. 5",
            Self::Dispatch => "Art. 6",
            Self::OnlineLimits => "Art. 6(一).1",
            Self::ReplyAndQc => "Art. 6(一).2",
            Self::OnlineFollowUp => "Art. 6(一).3",
            Self::Immediate => "Art. 6(二).1(1)",
            Self::Direct => "Art. 6(二).1(2)",
            Self::Transfer => "Art. 6(二).1(3)",
            Self::Joint => "Art. 6(二).1(4)",
            Self::Escalation => "Art. 6(二).1(5)",
            Self::Urging => "Art. 6(二).1(6)",
            Self::Review => "Art. 6(二).3",
            Self::Hall => "Art. 6(三)",
            Self::Hotspots => "Art. 7",
            Self::Supervision => "Art. 8",
            Self::Statistics => "Art. 9",
            Self::DailyCheck => "Art. 10",
            Self::Privacy => "Art. 11",
            Self::CountyMeasures => "Art. 12",
        }
    }
}

impl Article {
    /// How a Chinese reader cites it, e.g. `第六条第（二）项第1目第（4）点`.
    pub fn in_chinese(self) -> &'static str {
        match self {
            Self::Channels => "第二条",
            Self::Forwarding => "第三条",
            Self::Coordination => "第四条",
            Self::Screening => "第五条",
            Self::Dispatch => "第六条",
            Self::OnlineLimits => "第六条第（一）项第1目",
            Self::ReplyAndQc => "第六条第（一）项第2目",
            Self::OnlineFollowUp => "第六条第（一）项第3目",
            Self::Immediate => "第六条第（二）项第1目第（1）点",
            Self::Direct => "第六条第（二）项第1目第（2）点",
            Self::Transfer => "第六条第（二）项第1目第（3）点",
            Self::Joint => "第六条第（二）项第1目第（4）点",
            Self::Escalation => "第六条第（二）项第1目第（5）点",
            Self::Urging => "第六条第（二）项第1目第（6）点",
            Self::Review => "第六条第（二）项第3目",
            Self::Hall => "第六条第（三）项",
            Self::Hotspots => "第七条",
            Self::Supervision => "第八条",
            Self::Statistics => "第九条",
            Self::DailyCheck => "第十条",
            Self::Privacy => "第十一条",
            Self::CountyMeasures => "第十二条",
        }
    }
}

/// A citation as recorded (`Art. 4, Art. 5`) in Chinese (`第四条、第五条`);
/// a part that is no provision's citation is kept as written.
pub fn cited_in_chinese(recorded: &str) -> String {
    recorded
        .split(", ")
        .map(|part| {
            Article::ALL
                .iter()
                .find(|a| a.cite() == part.trim())
                .map_or_else(|| part.trim().to_string(), |a| a.in_chinese().to_string())
        })
        .collect::<Vec<_>>()
        .join("、")
}

impl fmt::Display for Article {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cite())
    }
}

/// The provisions one move rests on, cited together
/// (`Art. 4, Art. 5`), as recorded with its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Citation(pub &'static [Article]);

impl Citation {
    /// The provisions cited.
    pub fn articles(self) -> &'static [Article] {
        self.0
    }
}

impl fmt::Display for Citation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(a.cite())?;
        }
        Ok(())
    }
}

impl Serialize for Citation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_citation_lists_its_provisions_as_the_measures_number_them() {
        let c = Citation(&[Article::Forwarding, Article::Immediate, Article::Hall]);
        assert_eq!(c.to_string(), "Art. 3, Art. 6(二).1(1), Art. 6(三)");
        assert_eq!(
            serde_json::to_value(c).expect("json"),
            serde_json::json!("Art. 3, Art. 6(二).1(1), Art. 6(三)")
        );
    }

    #[test]
    fn a_recorded_citation_reads_in_chinese_as_the_measures_number_their_parts() {
        assert_eq!(cited_in_chinese("Art. 4, Art. 5"), "第四条、第五条");
        assert_eq!(cited_in_chinese("Art. 6(一).1"), "第六条第（一）项第1目");
        assert_eq!(
            cited_in_chinese("Art. 3, Art. 6(二).1(1), Art. 6(三)"),
            "第三条、第六条第（二）项第1目第（1）点、第六条第（三）项"
        );
        assert_eq!(cited_in_chinese("Art. 99"), "Art. 99", "kept as written");
        let chinese: std::collections::BTreeSet<&str> =
            Article::ALL.iter().map(|a| a.in_chinese()).collect();
        assert_eq!(chinese.len(), Article::ALL.len());
    }

    #[test]
    fn every_provision_is_listed_once_and_cited_differently() {
        let cites: std::collections::BTreeSet<&str> =
            Article::ALL.iter().map(|a| a.cite()).collect();
        assert_eq!(cites.len(), Article::ALL.len());
        assert_eq!(Article::ALL.len(), 22);
    }
}
