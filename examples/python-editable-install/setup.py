from setuptools import find_packages, setup

setup(
    name="dashboard",
    version="0.1.0",
    packages=find_packages(),
    install_requires=["streamlit==1.36.0", "pandas==2.2.2"],
)
