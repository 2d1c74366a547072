//! Getting text into a pane: byte-exact pastes and key sending, checked by a
//! raw-mode recorder running in the pane.

use std::path::{Path, PathBuf};

use crate::common::{TestServer, start_reader, wait_for_file, wait_for_text};
use czar::adapters::tmux::SubmitKey;

/// About `size` bytes of everything that breaks naive delivery: shell syntax,
/// words tmux would read as key names, quotes, backslashes, tabs, blank lines,
/// a CRLF line, non-ASCII, control bytes, a NUL and an invalid UTF-8 byte.
pub fn tricky_text(tag: &str, size: usize) -> Vec<u8> {
    let mut text = Vec::with_capacity(size + 512);
    let mut n = 0;
    while text.len() < size {
        n += 1;
        let block = format!(
            "{tag}{n}: \"double\" 'single' `back` $(rm -rf ~); echo $HOME && exit;\n\
             back\\slash \\n \\\\ \\; ends with semicolon;\n\
             Enter C-c C-d Escape M-x Up BSpace\n\
             \tindented\twith tabs\n\
             \n\
             \n\
             CRLF line\r\n\
             non-ASCII: é ü 日本語 🎉 👩‍💻 #{{pane_id}} %s %% ~root\n\
             control: \x00 \x03 \x04 \x07 \x7f end\n"
        );
        text.extend_from_slice(block.as_bytes());
        text.push(0xff);
    }
    text.extend_from_slice(b"no final newline;");
    text
}

pub fn after(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".after");
    PathBuf::from(s)
}

pub fn assert_same_bytes(got: &[u8], want: &[u8]) {
    if got != want {
        let at = got.iter().zip(want).position(|(a, b)| a != b);
        panic!(
            "bytes differ: got {} bytes, want {}; first difference at {:?}",
            got.len(),
            want.len(),
            at
        );
    }
}

#[tokio::test]
async fn paste_is_byte_exact_then_enter_submits() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("paste.bin");
    let target = start_reader(&server, "paste", "paste", &out).await;

    let text = tricky_text("A", 100_000);
    assert!(text.len() >= 100_000);
    server.tmux.paste(&target, &text).await.unwrap();
    assert_same_bytes(&wait_for_file(&out).await, &text);

    // The submit key arrives after the closing paste marker, as one CR.
    server
        .tmux
        .send_submit(&target, SubmitKey::Enter)
        .await
        .unwrap();
    assert_eq!(wait_for_file(&after(&out)).await, b"\r");
    // -d removed the uniquely named buffer.
    assert_eq!(server.raw(&["list-buffers"]), "");
}

#[tokio::test]
async fn concurrent_pastes_do_not_mix() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let outs: Vec<PathBuf> = (0..3).map(|i| dir.path().join(format!("out{i}"))).collect();
    let mut targets = Vec::new();
    for (i, out) in outs.iter().enumerate() {
        targets.push(start_reader(&server, &format!("pane{i}"), "paste", out).await);
    }
    let texts: Vec<Vec<u8>> = ["X", "Y", "Z"]
        .iter()
        .map(|tag| tricky_text(tag, 50_000))
        .collect();

    let (a, b, c) = tokio::join!(
        server.tmux.paste(&targets[0], &texts[0]),
        server.tmux.paste(&targets[1], &texts[1]),
        server.tmux.paste(&targets[2], &texts[2]),
    );
    a.unwrap();
    b.unwrap();
    c.unwrap();
    for (out, text) in outs.iter().zip(&texts) {
        assert_same_bytes(&wait_for_file(out).await, text);
    }
    assert_eq!(server.raw(&["list-buffers"]), "");
}

#[tokio::test]
async fn keys_literal_text_and_carriage_return() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("line.bin");
    let target = start_reader(&server, "keys", "line", &out).await;

    let tmux = &server.tmux;
    tmux.send_key(&target, "Escape").await.unwrap();
    tmux.send_literal(&target, "-l Enter C-c é $(x) 'q';")
        .await
        .unwrap();
    tmux.send_key(&target, "C-c").await.unwrap();
    tmux.send_submit(&target, SubmitKey::CarriageReturn)
        .await
        .unwrap();
    let got = wait_for_file(&out).await;
    assert_eq!(
        String::from_utf8_lossy(&got),
        "\x1b-l Enter C-c é $(x) 'q';\x03\r"
    );
}

#[tokio::test]
async fn the_screen_read_with_the_submit_key_is_the_one_before_the_key() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("typed.bin");
    let target = start_reader(&server, "typed", "paste", &out).await;
    server.tmux.paste(&target, b"the task").await.unwrap();
    assert_eq!(wait_for_file(&out).await, b"the task");

    let before = server
        .tmux
        .capture_then_submit(&target, SubmitKey::Enter)
        .await
        .unwrap();
    // The recorder prints DONE once the key arrives: the screen returned was read before it.
    assert!(
        before.contains("READY") && !before.contains("DONE"),
        "{before}"
    );
    assert_eq!(wait_for_file(&after(&out)).await, b"\r");
    wait_for_text(&server.tmux, &target, "DONE").await;

    let err = server
        .tmux
        .capture_then_submit("=absent:", SubmitKey::Enter)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn paste_into_missing_pane_fails_and_leaves_no_buffer() {
    let server = TestServer::new();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("unused");
    start_reader(&server, "present", "paste", &out).await;
    let err = server
        .tmux
        .paste("=absent:", b"secret task text")
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(server.raw(&["list-buffers"]), "");
}
