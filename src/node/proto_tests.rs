use super::*;

fn round_trip<T>(msg: &T) -> T
where
    T: Serialize + for<'de> Deserialize<'de>,
{
    let line = encode(msg);
    assert!(line.ends_with('\n'));
    assert_eq!(line.matches('\n').count(), 1, "one line: {line}");
    decode(line.as_bytes()).unwrap()
}

#[test]
fn every_request_survives_a_line() {
    let ops = vec![
        Op::Spawn(Spawn {
            worker: 3,
            session: "p-worker-3".into(),
            worktree: "worker-3".into(),
            command: vec!["czar".into(), "sim-agent".into()],
            env: vec![("KEY".into(), "v\n$(rm -rf /)".into())],
            width: 120,
            height: 40,
        }),
        Op::Kill {
            session: "s".into(),
        },
        Op::Exists {
            session: "s".into(),
        },
        Op::List,
        Op::Read {
            targets: vec!["%1".into(), "=s:".into()],
        },
        Op::Capture {
            target: "%1".into(),
            ansi: true,
        },
        Op::Paste {
            target: "%1".into(),
            text: b"line one\nline two; `x` \x1b[1m\xff".to_vec(),
        },
        Op::Submit {
            target: "%1".into(),
            key: Submit::CarriageReturn,
        },
        Op::Key {
            target: "%1".into(),
            key: "C-c".into(),
        },
        Op::Literal {
            target: "%1".into(),
            text: "a\nb".into(),
        },
        Op::Sync {
            url: "host:/srv/repo".into(),
            branches: vec!["main".into()],
        },
        Op::Worktree {
            name: "worker-1".into(),
            branch: "czar/t1".into(),
            base: "main".into(),
        },
        Op::Tip {
            branch: "czar/t1".into(),
        },
        Op::Run {
            worktree: "worker-1".into(),
            command: "cargo test; echo $HOME".into(),
            timeout_secs: 600,
        },
    ];
    for (id, op) in ops.into_iter().enumerate() {
        let msg = ToNode::Req { id: id as u64, op };
        assert_eq!(round_trip(&msg), msg);
    }
}

#[test]
fn replies_and_events_survive_a_line() {
    let msgs = vec![
        FromNode::Hello(Hello {
            dir: Some("/d".into()),
            repo: Some("/d/repo".into()),
            ..Hello::ours()
        }),
        FromNode::Refused {
            reason: "no".into(),
        },
        FromNode::Reply(Reply {
            id: 7,
            result: Outcome::Ok(Answer::Screens(vec![
                Ok(Screen {
                    dead: false,
                    title: "t".into(),
                    text: "> \n".into(),
                }),
                Err("gone".into()),
            ])),
        }),
        FromNode::Reply(Reply {
            id: 8,
            result: Outcome::Err("tmux failed".into()),
        }),
        FromNode::Reply(Reply {
            id: 9,
            result: Outcome::Ok(Answer::Tip(None)),
        }),
        FromNode::Event(Event::Output { worker: 2 }),
        FromNode::Event(Event::Exited {
            session: "s".into(),
            status: Some(1),
        }),
        FromNode::Event(Event::Tip {
            branch: "czar/t".into(),
            tip: Some("abc".into()),
        }),
        FromNode::Event(Event::Signal {
            worker: 3,
            kind: "done".into(),
            text: "czar/t".into(),
        }),
    ];
    for msg in msgs {
        assert_eq!(round_trip(&msg), msg);
    }
}

#[test]
fn the_wire_shape_is_stable() {
    // Another build of czar reads these lines: their shape is the protocol, not an accident.
    let line = encode(&ToNode::Req {
        id: 1,
        op: Op::Kill {
            session: "s".into(),
        },
    });
    assert_eq!(
        line,
        "{\"req\":{\"id\":1,\"op\":{\"kill\":{\"session\":\"s\"}}}}\n"
    );
    let line = encode(&FromNode::Reply(Reply {
        id: 1,
        result: Outcome::Ok(Answer::Bool(true)),
    }));
    assert_eq!(line, "{\"reply\":{\"id\":1,\"ok\":{\"bool\":true}}}\n");
}

#[test]
fn an_unknown_or_broken_line_is_an_error_not_a_panic() {
    for bad in [
        &b"{\"launch_missiles\":{}}"[..],
        b"not json",
        b"",
        b"{\"req\":{\"id\":-1,\"op\":\"list\"}}",
        b"\xff\xfe",
    ] {
        let got = decode::<ToNode>(bad);
        assert!(
            matches!(got, Err(ProtoError::Malformed(_))),
            "{bad:?}: {got:?}"
        );
    }
}

#[test]
fn an_oversized_line_is_refused_before_it_is_parsed() {
    let long = vec![b'x'; MAX_LINE + 1];
    assert_eq!(
        decode::<ToNode>(&long),
        Err(ProtoError::TooLong {
            len: MAX_LINE + 1,
            max: MAX_LINE
        })
    );
}

#[test]
fn a_version_mismatch_names_both_versions() {
    let ours = Hello::ours();
    let theirs = Hello {
        czar: "9.9.9".into(),
        protocol: PROTOCOL + 1,
        dir: None,
        repo: None,
    };
    let err = ours.check(&theirs).unwrap_err().to_string();
    assert!(err.contains(&format!("protocol {PROTOCOL}")), "{err}");
    assert!(err.contains(&format!("speaks {}", PROTOCOL + 1)), "{err}");
    assert!(
        err.contains("9.9.9") && err.contains(env!("CARGO_PKG_VERSION")),
        "{err}"
    );
    assert_eq!(ours.check(&Hello::ours()), Ok(()));
}

#[test]
fn a_spawn_debug_print_shows_no_environment_value() {
    let spawn = Spawn {
        worker: 1,
        session: "s".into(),
        worktree: "w".into(),
        command: vec!["a".into()],
        env: vec![("TOKEN".into(), "sekrit-value".into())],
        width: 80,
        height: 24,
    };
    let shown = format!("{spawn:?}");
    assert!(
        shown.contains("TOKEN") && !shown.contains("sekrit-value"),
        "{shown}"
    );
}

#[test]
fn an_unknown_request_still_has_its_id_read() {
    let line = b"{\"req\":{\"id\":42,\"op\":{\"teleport\":{}}}}";
    assert!(decode::<ToNode>(line).is_err());
    assert_eq!(request_id(line), Some(42));
    assert_eq!(request_id(b"garbage"), None);
    assert_eq!(request_id(b"{\"hello\":{}}"), None);
}
