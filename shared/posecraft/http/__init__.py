"""The HTTP plumbing both Flask services share: the app's common behaviour and error map (`web`), API keys and
sessions (`auth`), the OpenAPI spec (`openapi`), the JSON body guard (`json_body`) and gunicorn's settings
(`gunicorn_config`). It sits on top: it may import the domain and the stores, never the other way round.
"""
