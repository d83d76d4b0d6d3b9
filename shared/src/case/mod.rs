//! The case as it comes in: the words every concern shares (`words`), the
//! submission parsed field by field (`intake`), the submitter's contact
//! details (`contact`) and how they are sealed at rest and masked
//! (`personal`, Art. 11), and how reading or writing a case's rows fails
//! (`stored`).

pub mod contact;
pub mod intake;
pub mod personal;
pub mod stored;
pub mod words;
