"""The Focus Server's gRPC data stream contract, shared by the suite and the stand.

Only the `.proto` is kept in git; `make setup` (or `make proto`) generates `pandadatastream_pb2*.py` beside it.
"""
