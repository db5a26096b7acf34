"""``serverless-patterns import``: a Serverless Framework service or a SAM template, read into one
model (``model.py``), mapped onto the patterns (``plan.py``) and written as a CDK app with its report
(``writer.py``)."""
