//! Unit tests of the carry rules.

use super::*;
use crate::parse::Dockerfile;

fn facts_of(text: &str) -> (Dockerfile, crate::parse::Stage) {
    let file = Dockerfile::parse(text);
    let stage = file.stages().remove(0);
    (file, stage)
}

#[test]
fn the_effective_configuration_in_order() {
    let (file, stage) = facts_of(
        "FROM x\nCMD a\nENV A=1\nUSER u\nEXPOSE 80\nCMD b\nRUN true\nSTOPSIGNAL INT\nSTOPSIGNAL TERM\n",
    );
    let facts = StageFacts::read(&file, &stage);
    let carried: Vec<&str> = runtime_configuration(&facts)
        .iter()
        .map(|i| file.text(i.text_span.clone()))
        .collect();
    assert_eq!(
        carried,
        ["ENV A=1", "USER u", "EXPOSE 80", "CMD b", "STOPSIGNAL TERM"]
    );
}

#[test]
fn runtime_packages_leave_build_tools_behind() {
    let (file, stage) = facts_of(
        "FROM x\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev tini ffmpeg\n",
    );
    let facts = StageFacts::read(&file, &stage);
    let node = crate::lang::Registry::builtin();
    let t = &node.get("node").unwrap().template;
    assert_eq!(
        runtime_packages(&facts, |p| t.build_only(p)),
        ["tini", "ffmpeg"]
    );
    let (file, stage) = facts_of(
        "FROM x\nRUN apk add --no-cache --virtual .gyp python3 make g++ vips && npm ci && apk del .gyp\nRUN apt-get install -y -o Dpkg::Options::=--force-confold ffmpeg\n",
    );
    let facts = StageFacts::read(&file, &stage);
    assert_eq!(runtime_packages(&facts, |p| t.build_only(p)), ["ffmpeg"]);
}

fn write(line: usize, what: &str) -> Uncarried {
    Uncarried::Write {
        line,
        what: what.into(),
    }
}

#[test]
fn writes_outside_the_application_are_carried_or_refused() {
    let writes = |text: &str| {
        let (file, stage) = facts_of(text);
        let facts = StageFacts::read(&file, &stage);
        outside_writes(&facts, Some("/app"), &[], &[], &[])
            .map(|w| w.into_iter().map(|w| w.path).collect::<Vec<_>>())
    };
    assert_eq!(
        writes("FROM x\nWORKDIR /app\nRUN npm ci > /tmp/log && cp dist/cli /usr/local/bin/cli\nRUN echo hi > /app/x\n"),
        Ok(vec!["/usr/local/bin/cli".to_string()])
    );
    assert_eq!(
        writes("FROM x\nRUN mkdir -p /var/log/app /usr/local/bin && chown node /var/log/app\nWORKDIR /app\n"),
        Ok(vec!["/var/log/app".to_string()])
    );
    assert_eq!(
        writes("FROM x\nRUN curl -sSL https://x/t.tgz | tar xz -C /opt/tool && git clone https://x/y /srv/y\n"),
        Ok(vec!["/opt/tool".to_string(), "/srv/y".to_string()])
    );
    assert_eq!(
        writes("FROM x\nRUN curl -sSL https://x | tar xJC /usr/bin/ f\n")
            .unwrap_err()
            .line(),
        2
    );
    assert_eq!(
        writes("FROM x\nRUN ln -sf /usr/bin/python3 /usr/bin/python\n").unwrap_err(),
        write(2, "a symlink (/usr/bin/python)")
    );
    // Read from the working folder, wherever that is.
    assert_eq!(
        writes("FROM x\nWORKDIR /app\nRUN ln -s /app/bin/cli.js /usr/local/bin/cli\n").unwrap_err(),
        write(3, "a symlink (/usr/local/bin/cli)")
    );
    assert_eq!(
        writes("FROM x\nWORKDIR /usr/local/bin\nRUN ln -s /app/bin/cli.js cli\n").unwrap_err(),
        write(3, "a symlink (/usr/local/bin/cli)")
    );
    // A `cd` moves the folder the writes are read from.
    assert_eq!(
        writes("FROM x\nWORKDIR /app\nRUN cd /usr/local/bin && ln -s /app/bin/cli.js cli\n")
            .unwrap_err(),
        write(3, "a symlink (/usr/local/bin/cli)")
    );
    assert_eq!(
        writes("FROM x\nWORKDIR /app\nRUN (cd /opt && echo x > a) && echo y > b\n"),
        Ok(vec!["/opt/a".to_string()])
    );
    // A step the reader cannot follow may write anywhere.
    assert!(matches!(
        writes("FROM x\nWORKDIR /app\nRUN eval \"$(./configure)\"\n"),
        Err(Uncarried::Unknown { line: 3, .. })
    ));
    // Inside the application, the link comes with the folder's copy.
    assert_eq!(
        writes("FROM x\nWORKDIR /app\nRUN ln -s dist/cli.js cli\n"),
        Ok(vec![])
    );
    assert!(writes("FROM x\nRUN echo x > $NOPE/.rc\n").is_err());
    // What the same build removes is not copied.
    assert_eq!(
        writes("FROM x\nRUN curl -fsSL -o /opt/t.tgz https://x && tar -xzf /opt/t.tgz -C /opt/tool && rm /opt/t.tgz\n"),
        Ok(vec!["/opt/tool".to_string()])
    );
    assert_eq!(
        writes("FROM x\nRUN ln -sf python3 /usr/bin/python && make && rm -f /usr/bin/python\n"),
        Ok(vec![])
    );
    // Patterns are not paths.
    assert!(writes("FROM x\nRUN cp scripts/*.sh /usr/local/bin/\n").is_err());
    assert!(writes("FROM x\nRUN mkdir -p /data/{uploads,logs}\n").is_err());
    // Option values are not paths; `-O -` is the standard output.
    assert_eq!(
        writes("FROM x\nRUN install -m 755 x.sh /usr/local/bin/ && mkdir -p -m 0775 /data/up\n"),
        Ok(vec![
            "/usr/local/bin/x.sh".to_string(),
            "/data/up".to_string()
        ])
    );
    assert_eq!(
        writes("FROM x\nRUN wget -q -O - https://x/k.pub | apt-key add - && curl -fsSLo /etc/ssl/corp.pem https://x/c\n"),
        Ok(vec!["/etc/ssl/corp.pem".to_string()])
    );
    assert_eq!(
        writes("FROM x\nRUN cp a b /usr/local/bin/\n"),
        Ok(vec![
            "/usr/local/bin/a".to_string(),
            "/usr/local/bin/b".to_string()
        ])
    );
}

#[test]
fn a_folder_only_made_holds_nothing_built() {
    let (file, stage) = facts_of(
        "FROM x\nRUN mkdir -p /var/log/app /opt/tool && chown node /var/log/app\nRUN tar xzf t.tgz -C /opt/tool\nRUN touch /etc/app.conf\n",
    );
    let facts = StageFacts::read(&file, &stage);
    let writes = outside_writes(&facts, Some("/app"), &[], &[], &[]).unwrap();
    let seen: Vec<(&str, usize, bool)> = writes
        .iter()
        .map(|w| (w.path.as_str(), w.line, w.folder_only))
        .collect();
    assert_eq!(
        seen,
        [
            ("/var/log/app", 2, true),
            ("/opt/tool", 2, false),
            ("/etc/app.conf", 4, false)
        ]
    );
}

#[test]
fn the_application_folder_s_owner() {
    let owner = |text: &str| {
        let (file, stage) = facts_of(text);
        let facts = StageFacts::read(&file, &stage);
        dir_owner(&facts, "/app")
    };
    assert_eq!(
        owner("FROM x\nRUN mkdir -p /app && chown -R node:node /app\nWORKDIR /app\n"),
        Some("node:node".into())
    );
    assert_eq!(
        owner("FROM x\nUSER node\nWORKDIR /app\n"),
        Some("node".into())
    );
    assert_eq!(owner("FROM x\nWORKDIR /app\nUSER node\n"), None);
    assert_eq!(
        owner("FROM x\nWORKDIR /app\nRUN chown app .\n"),
        Some("app".into())
    );
    assert_eq!(owner("FROM x\nRUN chown -R app /srv\nWORKDIR /app\n"), None);
}

#[test]
fn users_are_created_again_with_the_same_words() {
    let (file, stage) = facts_of("FROM x\nRUN apt-get update && useradd -m -c 'App user' app\n");
    let facts = StageFacts::read(&file, &stage);
    assert_eq!(user_commands(&facts), ["useradd -m -c 'App user' app"]);
}
