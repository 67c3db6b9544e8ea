//! Every fixture registry under `tests/fixtures/` produces exactly the diagnostics listed in its
//! `expect.txt`, at the listed positions, in JSON and in human output, with the right exit code.

use crate::common::{fixtures_dir, positions, regctl_in, run, validate_json};

fn expected(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("expect.txt"))
        .expect("every fixture has an expect.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_fixture_reports_exactly_its_expected_diagnostics() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures dir")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert!(names.len() >= 20, "fixtures are missing: {names:?}");
    for name in names {
        let dir = fixtures_dir().join(&name);
        let expect = expected(&dir);
        let is_config_error = expect.iter().any(|line| line.ends_with(" config"));

        if is_config_error {
            let (code, stdout, stderr) = run(regctl_in(&dir).arg("validate"));
            assert_eq!(code, 1, "{name}: a config error exits 1\n{stderr}");
            assert!(stdout.is_empty(), "{name}: nothing on stdout");
            for line in &expect {
                let position = line.trim_end_matches(" config");
                assert!(
                    stderr.contains(&format!("[{position}]")),
                    "{name}: stderr lacks {position}:\n{stderr}"
                );
            }
            insta::assert_snapshot!(format!("fixture_{name}_stderr"), stderr);
            continue;
        }

        let (code, json) = validate_json(&mut regctl_in(&dir), &[]);
        let mut actual = positions(&json);
        actual.sort();
        let mut wanted = expect.clone();
        wanted.sort();
        assert_eq!(actual, wanted, "{name}: diagnostics differ");
        let want_code = if expect.is_empty() { 0 } else { 2 };
        assert_eq!(code, want_code, "{name}: exit code");
        insta::assert_json_snapshot!(format!("fixture_{name}_json"), json);

        let (code, stdout, stderr) = run(regctl_in(&dir).arg("validate"));
        assert_eq!(code, want_code, "{name}: human exit code");
        for line in &expect {
            let (place, rule) = line.rsplit_once(' ').expect("`place code`");
            assert!(
                stdout.contains(&format!("[{rule}]")),
                "{name}: human output lacks [{rule}]:\n{stdout}"
            );
            if place.contains(':') {
                assert!(
                    stdout.contains(&format!("[{place}]")),
                    "{name}: human output lacks {place}:\n{stdout}"
                );
            } else {
                assert!(
                    stdout.contains(place),
                    "{name}: human output lacks {place}:\n{stdout}"
                );
            }
        }
        if want_code == 2 {
            assert!(
                stderr.contains("MetadataValidationError"),
                "{name}: stderr:\n{stderr}"
            );
        } else {
            assert!(stderr.is_empty(), "{name}: stderr:\n{stderr}");
        }
        insta::assert_snapshot!(format!("fixture_{name}_human"), stdout);
    }
}
