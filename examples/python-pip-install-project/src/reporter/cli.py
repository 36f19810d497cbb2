import click


@click.command()
@click.argument("name", default="world")
def main(name):
    click.echo(f"report for {name}")
