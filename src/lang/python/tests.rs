use super::*;

fn command(text: &str) -> Command {
    let steps = shell::read(text, &shell::Scope::at("/app", "root"), &shell::NoScripts);
    match steps.into_iter().next() {
        Some(shell::Step::Run(c)) => c,
        other => panic!("{other:?}"),
    }
}

#[test]
fn pip_is_found_by_every_name_it_goes_by() {
    for text in [
        "pip install x",
        "pip3 install x",
        "pip3.12 install x",
        "python -m pip install x",
        "python3 -u -m pip install x",
        "/opt/venv/bin/pip install x",
    ] {
        assert_eq!(pip_args(&command(text)).unwrap()[0], "install", "{text}");
    }
    for text in [
        "pipx install x",
        "python manage.py pip",
        "python3 -m venv /v",
    ] {
        assert!(pip_args(&command(text)).is_none(), "{text}");
    }
}

#[test]
fn distribution_names_are_normalised_as_pip_compares_them() {
    assert_eq!(distribution_name("Flask[async]>=2"), "flask");
    assert_eq!(distribution_name("Django_Redis==5"), "django-redis");
    assert_eq!(distribution_name("'uvicorn[standard]'"), "uvicorn");
    assert_eq!(distribution_name("zope.interface"), "zope-interface");
}
