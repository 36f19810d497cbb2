import pandas as pd
import streamlit as st

st.title("Dashboard")
st.dataframe(pd.DataFrame({"a": [1, 2, 3]}))
