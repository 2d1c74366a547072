//! `review` and `max_review_rounds`: the review gate's keys, checked where they are written.

use super::config::{error_at, load, repo};

#[test]
fn review_keys_are_read_and_checked_where_they_are_written() {
    let (_dir, root) = repo();
    let cfg = load(&root, "land = \"merge\"\n").unwrap();
    assert_eq!(cfg.land.review, None, "no review unless asked for");
    assert_eq!(cfg.land.max_review_rounds, 2);
    let cfg = load(
        &root,
        "land = \"merge\"\nreview = \"sim\"\nmax_review_rounds = 4\n",
    )
    .unwrap();
    assert_eq!(cfg.land.review.as_deref(), Some("sim"));
    assert_eq!(cfg.land.max_review_rounds, 4);

    let msg = error_at("land = \"merge\"\nreview = \"nobody\"\n", 2, "review");
    assert!(msg.contains("nobody") && msg.contains("sim"), "{msg}");
    let msg = error_at("review = \"sim\"\n", 1, "review");
    assert!(msg.contains("landing on"), "{msg}");
    let msg = error_at(
        "land = \"merge\"\nreview = \"sim\"\nmax_review_rounds = 0\n",
        3,
        "max_review_rounds",
    );
    assert!(msg.contains('0'), "{msg}");
    let msg = error_at("max_review_rounds = \"two\"\n", 1, "max_review_rounds");
    assert!(!msg.is_empty());
}
