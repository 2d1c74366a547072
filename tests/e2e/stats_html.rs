//! `czar stats --html FILE` after a real run, rendered by headless Chromium: the page must draw
//! (not a blank or an error page) with the timeline's bars in the outcome colours. Without
//! Chromium the test says SKIPPED loudly; `CZAR_REQUIRE_CHROMIUM=1` (set by `.ci/run`) fails it.

use crate::common::Project;
use crate::support::run_within;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.exists());
    if found.is_some() {
        return found;
    }
    let msg =
        format!("SKIPPED {test}: headless Chromium is not installed (apt-get install chromium)");
    if std::env::var("CZAR_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1") {
        panic!("{msg}; CZAR_REQUIRE_CHROMIUM=1 forbids skipping");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n*** {msg} ***\n");
    None
}

/// The screenshot's pixels as RGB.
fn pixels(png_file: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_file).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = info.color_type.samples();
    assert!(step >= 3, "a colour screenshot: {:?}", info.color_type);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    let px = buf[..info.buffer_size()]
        .chunks(step)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width, info.height, px)
}

#[test]
fn the_html_page_of_a_run_renders_in_headless_chromium() {
    let Some(chromium) = chromium_or_skip("the_html_page_of_a_run_renders_in_headless_chromium")
    else {
        return;
    };
    let p = Project::new(2, "");
    for (id, dur) in [("alpha", 1), ("beta", 2), ("gamma", 1)] {
        p.task(
            id,
            &format!("title = \"{id}\""),
            &format!("Do {id}.\n\nsim: duration={dur}\n"),
        );
    }
    let out = p.run_auto(Duration::from_secs(120));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let page = p.root.join("run.html");
    let out = run_within(
        &mut p.czar(&["stats", "--html", page.to_str().unwrap()]),
        Duration::from_secs(30),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("alpha") && html.contains("<svg"), "{html}");

    let shot = p.root.join("run.png");
    let profile = p.root.join("chromium-profile");
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--window-size=1100,800",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(format!("--screenshot={}", shot.display()))
    .arg(format!("file://{}", page.display()));
    let out = run_within(&mut cmd, Duration::from_secs(90));
    assert!(
        shot.exists(),
        "no screenshot: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, px) = pixels(&shot);
    assert_eq!((w, h), (1100, 800));
    let colours: HashSet<[u8; 3]> = px.iter().copied().collect();
    let inked = px.iter().filter(|c| **c != [255, 255, 255]).count();
    assert!(colours.len() > 20, "only {} colours: blank?", colours.len());
    assert!(
        inked * 100 > px.len(),
        "only {inked} of {} pixels drawn",
        px.len()
    );
    // The done bars' green (#2e9e4f) fills whole areas of the timeline.
    let green = px.iter().filter(|c| **c == [0x2e, 0x9e, 0x4f]).count();
    assert!(green > 500, "{green} pixels of the done bars' green");
}
